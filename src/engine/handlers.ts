/**
 * Handlers: notified by the tasks that changed something, run once each at the end of the play, in the
 * order they are defined. Notified handlers survive a failed run: the names are recorded on the target as
 * soon as a change notifies them and cleared only after they ran, so a changed config is always followed
 * by its restart.
 */
import type {Play, Task} from '../config/model.js';
import {PxeError} from '../errors.js';
import {modules} from '../resources/index.js';
import type {RestartCapability} from '../resources/types.js';
import type {Agent} from '../transport/types.js';
import {shownOutcome} from './outcome.js';
import type {HostScope} from './scope.js';
import {finishTask, prepareTask, type Prepared, type TaskDone, type TaskRunContext} from './task-run.js';

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

/** The target's record of the handlers still owed: read as the play starts, rewritten as names come and go. */
export class PendingHandlers {
  /** What an earlier run left, read ahead: awaited where it is needed, and marked handled meanwhile. */
  private readonly earlier: Promise<string[]>;

  constructor(
    private readonly agent: Agent,
    private readonly path: string,
  ) {
    this.earlier = readPending(agent, path);
    // Marked handled here only so an early failure is not an unhandled rejection: every use awaits it and fails.
    this.earlier.catch(() => undefined);
  }

  /** Names notified in this run join the record at once, before anything else happens. */
  async add(names: Iterable<string>): Promise<void> {
    await writePending(this.agent, this.path, [...names, ...(await this.earlier)]);
  }

  /** The names an earlier run left (a read error or a corrupt record fails the host). */
  left(): Promise<string[]> {
    return this.earlier;
  }

  /** After the handlers ran, the record keeps only the names no handler of the play answers. */
  async settle(handlers: Task[], notified: Set<string>): Promise<void> {
    if (notified.size > 0) await writePending(this.agent, this.path, unanswered(handlers, notified));
  }
}

/** What a task's module says about the services it starts, when it starts any. */
function restartsOf(task: Task): RestartCapability<unknown> | undefined {
  const module = modules.get(task.module);
  return module && !module.readOnly ? module.restarts : undefined;
}

/**
 * The handler names notified so far in a play and the task index of each name's last notification, and
 * when each service was last (re)started: a restart notified before the service started is redundant.
 */
export class Notifications {
  readonly names = new Set<string>();
  private readonly notifiedAt = new Map<string, number>();
  private readonly startedAt = new Map<string, number>();

  /** After the task at `index` of the play. True when it notified a name not notified before. */
  taskDone(task: Task, index: number, done: TaskDone): boolean {
    const restarts = restartsOf(task);
    for (const result of done.results) {
      const service = restarts?.started(result);
      if (service !== undefined) this.startedAt.set(service, index);
    }
    if (!done.changed || task.notify.length === 0) return false;
    const before = this.names.size;
    for (const name of task.notify) {
      this.names.add(name);
      this.notifiedAt.set(name, index);
    }
    return this.names.size > before;
  }

  /** The services a handler would only restart again, each started after the handler was last notified; undefined: it runs. */
  redundant(handler: Task, prepared: Prepared): string[] | undefined {
    const restarts = restartsOf(handler);
    if (!restarts || prepared.items.length === 0) return undefined;
    const lastNotified = Math.max(
      ...[handler.name, ...handler.listen].map((name) => this.notifiedAt.get(name) ?? Infinity),
    );
    const services = prepared.items.map((item) =>
      item.args === undefined ? undefined : restarts.restarted(item.args),
    );
    const startedSince = (service: string | undefined): service is string =>
      service !== undefined && (this.startedAt.get(service) ?? -1) > lastNotified;
    return services.every(startedSince) ? services : undefined;
  }
}

/** Runs the notified handlers of a play (in check mode: reports that they would run); returns true when the host failed. */
export async function flushHandlers(
  play: Play,
  scope: HostScope,
  notifications: Notifications,
  pending: PendingHandlers,
  run: TaskRunContext,
): Promise<boolean> {
  for (const name of await pending.left()) notifications.names.add(name);
  for (const handler of handlersFor(play.handlers, notifications.names)) {
    run.emit({type: 'task-start', host: scope.host, play: play.name, task: handler.name, handler: true});
    const outcome = {host: scope.host, play: play.name, task: handler.name, pos: handler.pos, handler: true, ms: 0};
    if (run.check) {
      run.record(shownOutcome(handler, {...outcome, status: 'changed', summary: 'would run (notified)'}));
      continue;
    }
    const agent = await run.agentFor(play, handler);
    const prepared = await prepareTask(handler, scope, agent, run, run.redactor);
    const redundant = notifications.redundant(handler, prepared);
    if (redundant) {
      run.record(
        shownOutcome(handler, {
          ...outcome,
          status: 'ok',
          summary: `not needed: ${redundant.join(', ')} started after the change`,
        }),
      );
      continue;
    }
    const done = await finishTask(prepared, scope, agent, run, {play: play.name, handler: true});
    if (done.failed) return true;
  }
  if (!run.check) await pending.settle(play.handlers, notifications.names);
  return false;
}
