/**
 * block / rescue / always, as Ansible runs them. Each task knows the blocks around it (task.blocks,
 * outermost first, with the section it is in). A failure skips the rest of its block's tasks and runs its
 * rescue, which sees what failed (ansible_failed_task, ansible_failed_result); always runs in any case. A
 * failure that a rescue does not handle moves to the enclosing block; past the outermost, the host fails.
 */
import type {Block, BlockPlace, Task, Vars} from '../config/model.js';
import type {ErrorReport} from './events.js';

/** Where each block's first failure happened, for a play's run on one host. */
export class BlockFailures {
  private readonly failures = new Map<Block, BlockPlace['section']>();

  /** Whether a task runs, given the failures so far in the blocks around it. */
  runs(task: Task): boolean {
    return (task.blocks ?? []).every(({block, section}) => {
      const failed = this.failures.get(block);
      if (section === 'block') return failed === undefined;
      if (section === 'rescue') return failed === 'block';
      return failed !== 'always';
    });
  }

  /** A task failed: its innermost block takes the failure. False when no block holds it (the host fails). */
  record(task: Task): boolean {
    const place = task.blocks?.at(-1);
    if (!place) return false;
    this.failures.set(place.block, place.section);
    return true;
  }

  /**
   * After `task`, the blocks that `next` is not in are over, innermost first. A failure that their rescue did
   * not handle moves to the enclosing block; past the outermost, the host fails (returns true).
   */
  close(task: Task, next: Task | undefined): boolean {
    const places = task.blocks ?? [];
    const continuing = new Set(next?.blocks?.map((p) => p.block));
    for (let depth = places.length - 1; depth >= 0 && !continuing.has(places[depth]!.block); depth--) {
      const {block} = places[depth]!;
      const failed = this.failures.get(block);
      this.failures.delete(block);
      if (failed === undefined || (failed === 'block' && block.hasRescue)) continue;
      const outer = places[depth - 1];
      if (!outer) return true;
      this.failures.set(outer.block, outer.section);
    }
    return false;
  }
}

/** Whether a failure of this task is caught: by the first block outward whose block: holds it and that has a rescue. */
export function rescued(task: Task): boolean {
  return (task.blocks ?? []).some(({block, section}) => section === 'block' && block.hasRescue);
}

/** What a rescue sees of the failure it handles, as in Ansible (a no_log task's result is hidden there too). */
export function failureVars(task: Task, failure: ErrorReport | undefined): Vars {
  return {
    ansible_failed_task: {name: task.name, action: task.module},
    ansible_failed_result: {failed: true, msg: failure?.message, code: failure?.code},
  };
}
