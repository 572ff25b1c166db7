/** --start-at-task: the playbook from the first task of a name on, as ansible-playbook runs it. */
import {PxeError} from '../errors.js';
import {globRegExp} from './fnmatch.js';
import type {Playbook, Task} from './model.js';
import {didYouMean} from './suggest.js';

/** A task's name as Ansible prints it: "role : name" for a role's task. */
export function displayName(task: Task): string {
  return task.role ? `${task.role.name} : ${task.name}` : task.name;
}

/**
 * The plays from the one holding the first task named `start` (its name, "role : name", or a shell pattern
 * of either), that play starting at the task. No such task is a usage error (Ansible would run nothing).
 */
export function startAtTask(playbook: Playbook, start: string): Playbook {
  const pattern = globRegExp(start);
  const matches = (task: Task) => [task.name, displayName(task)].some((name) => name === start || pattern.test(name));
  for (const [p, play] of playbook.plays.entries()) {
    const index = play.tasks.findIndex(matches);
    if (index >= 0)
      return {...playbook, plays: [{...play, tasks: play.tasks.slice(index)}, ...playbook.plays.slice(p + 1)]};
  }
  const names = playbook.plays.flatMap((play) => play.tasks.map(displayName));
  throw new PxeError('E_USAGE', `--start-at-task: no task is named '${start}'`, {
    expected: 'the name of a task of the playbook (or "role : name", or a pattern with * and ?)',
    hint: didYouMean(start, names) ?? 'pxeprov up --list-tasks shows the task names',
  });
}
