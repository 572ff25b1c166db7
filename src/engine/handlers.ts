/**
 * Notified handlers survive a failed run: the names are recorded on the target as soon as a change
 * notifies them and cleared only after they ran, so a changed config is always followed by its restart.
 */
import type {Task} from '../config/model.js';
import {PxeError} from '../errors.js';
import type {Agent} from '../transport/types.js';

/** The target's state directory: /var/lib/pxeprov unless the host sets pxeprov_state_dir. */
export function pendingPath(stateDir = '/var/lib/pxeprov'): string {
  return `${stateDir}/pending-handlers.json`;
}

/** The recorded names; [] only when the file does not exist. A read error or a corrupt file fails the host and is kept. */
export async function readPending(agent: Agent, path: string): Promise<string[]> {
  const content = await agent.readFile(path);
  if (content === null) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(content.toString());
  } catch {
    parsed = undefined; // reported below with the file's name, like any other shape that is not ours
  }
  const handlers = (parsed as {handlers?: unknown} | undefined)?.handlers;
  if (!Array.isArray(handlers) || !handlers.every((h) => typeof h === 'string')) {
    throw new PxeError('E_REMOTE', `${path} on ${agent.host} is not pxeprov's pending-handlers record`, {
      where: {host: agent.host, file: path},
      expected: '{"handlers": ["name", ...]}',
      hint: 'it lists restarts a failed run still owes: run those handlers by hand, then remove the file',
    });
  }
  return handlers;
}

export async function writePending(agent: Agent, path: string, names: Iterable<string>): Promise<void> {
  const handlers = [...new Set(names)].sort();
  if (handlers.length === 0) {
    await agent.remove(path);
    return;
  }
  await agent.mkdir(path.slice(0, path.lastIndexOf('/')), {parents: true, mode: 0o700});
  await agent.writeFile(path, JSON.stringify({handlers}) + '\n', {mode: 0o600});
}

/** The handlers to run, in definition order, for a set of notified names (a handler answers its name and its listen names). */
export function handlersFor(handlers: Task[], notified: Set<string>): Task[] {
  return handlers.filter((h) => notified.has(h.name) || h.listen.some((name) => notified.has(name)));
}

/** The notified names no handler of this play answers (a notify typo, or a handler of another play). */
export function unanswered(handlers: Task[], notified: Iterable<string>): string[] {
  const known = new Set(handlers.flatMap((h) => [h.name, ...h.listen]));
  return [...notified].filter((name) => !known.has(name));
}

/** Tags: `always` runs unless skipped by name, `never` only when asked for. */
export function selectedByTags(taskTags: string[], tags: string[], skipTags: string[]): boolean {
  if (taskTags.some((t) => skipTags.includes(t)) || (skipTags.includes('all') && !taskTags.includes('always'))) return false;
  if (tags.length === 0 || tags.includes('all')) return !taskTags.includes('never');
  if (taskTags.includes('always')) return true;
  if (tags.includes('tagged') && taskTags.length > 0) return true;
  if (tags.includes('untagged') && taskTags.length === 0) return true;
  return taskTags.some((t) => tags.includes(t));
}
