/**
 * One play on one host: its tasks in turn (read ahead, pipelined), within their blocks, then the handlers
 * they notified. What happens to one task is task-run.ts; blocks are blocks.ts; handlers are handlers.ts.
 */
import type {Play, Task} from '../config/model.js';
import {errorsOf} from '../errors.js';
import {modules} from '../resources/index.js';
import type {Agent} from '../transport/types.js';
import {BlockFailures, failureVars, rescued} from './blocks.js';
import {flushHandlers, Notifications, PendingHandlers, pendingPath} from './handlers.js';
import {Lookahead} from './lookahead.js';
import {errorReport, shownOutcome} from './outcome.js';
import type {HostScope} from './scope.js';
import {selectedByTags} from './tags.js';
import {finishTask, prepareTask, type Prepared, type ReadCache, type TaskRunContext} from './task-run.js';

export interface PlayRunContext extends TaskRunContext {
  tags: string[];
  skipTags: string[];
}

/** Runs a play's tasks then its notified handlers; returns true when the host failed. */
export function runPlay(play: Play, scope: HostScope, agent: Agent, run: PlayRunContext): Promise<boolean> {
  return new PlayRun(play, scope, agent, run).run();
}

/** Whether a task's module sets host variables (set_fact). */
function setsVars(task: Task): boolean {
  const module = modules.get(task.module);
  return module?.readOnly === true && module.definesVars === true;
}

/**
 * Input errors (exit-3 class) found while preparing the whole play. An undefined variable counts only
 * when no earlier task could define it (register, set_fact).
 */
export function inputErrors(tasks: Task[], prepared: Prepared[]): {task: Task; error: unknown}[] {
  const found: {task: Task; error: unknown}[] = [];
  let definesVars = false;
  tasks.forEach((task, index) => {
    const {error, items} = prepared[index]!;
    // A rescue may use ansible_failed_task and ansible_failed_result, which only a failure defines.
    const laterVars = definesVars || task.blocks?.some((p) => p.section === 'rescue');
    for (const candidate of [error, ...items.map((i) => i.error)]) {
      const known = errorsOf(candidate)?.[0];
      if (known && known.exit === 3 && !(known.code === 'E_TEMPLATE' && laterVars)) {
        found.push({task, error: candidate});
        break;
      }
    }
    definesVars ||= task.register !== undefined || setsVars(task);
  });
  return found;
}

class PlayRun {
  private readonly tasks: Task[];
  /** Reads by module and arguments, valid until something is applied. */
  private readonly reads: ReadCache = new Map();
  private readonly lookahead: Lookahead<Task, Prepared>;
  private readonly blocks = new BlockFailures();
  private readonly notifications = new Notifications();
  private readonly pending: PendingHandlers;

  constructor(
    private readonly play: Play,
    private readonly scope: HostScope,
    agent: Agent,
    private readonly context: PlayRunContext,
  ) {
    this.tasks = play.tasks.filter((t) => selectedByTags([...t.tags, ...play.tags], context.tags, context.skipTags));
    this.pending = new PendingHandlers(
      agent,
      pendingPath(scope.inventory.hosts.get(scope.host)?.vars.pxeprov_state_dir as string | undefined),
    );
    const prepare = (task: Task): Promise<Prepared> =>
      context.agentFor(play, task).then(
        (taskAgent) => prepareTask(task, scope, taskAgent, context, context.redactor, this.reads),
        (error) => ({task, items: [], error}),
      );
    this.lookahead = new Lookahead(this.tasks, prepare, (task) => !modules.get(task.module)?.slowRead);
  }

  async run(): Promise<boolean> {
    // Bad input (a missing ISO, a subnet that does not hold the address) fails before anything changes.
    if (!this.context.check && (await this.rejectInvalidInput())) return true;
    for (let index = 0; index < this.tasks.length; index++) {
      const task = this.tasks[index]!;
      if (this.blocks.runs(task)) {
        const failed = await this.turn(task, index);
        if (failed && !this.blocks.record(task)) return true;
      }
      if (this.blocks.close(task, this.tasks[index + 1])) return true;
    }
    return flushHandlers(this.play, this.scope, this.notifications, this.pending, this.context);
  }

  /** Records the input errors of every task of the play; true when there is one. */
  private async rejectInvalidInput(): Promise<boolean> {
    const {host} = this.scope;
    const invalid = inputErrors(this.tasks, await this.lookahead.all());
    for (const {task, error} of invalid) {
      const report = errorReport(error, this.context.redactor);
      this.context.record(
        shownOutcome(task, {
          host,
          play: this.play.name,
          task: task.name,
          pos: task.pos,
          status: 'failed',
          summary: report.message,
          error: report,
          handler: false,
          ms: 0,
        }),
      );
    }
    return invalid.length > 0;
  }

  /** A task in its turn, and what its outcome changes for the rest of the play. Returns true when it failed. */
  private async turn(task: Task, index: number): Promise<boolean> {
    const {context, scope} = this;
    context.emit({type: 'task-start', host: scope.host, play: this.play.name, task: task.name, handler: false});
    const prepared = await this.lookahead.get(index);
    const caught = rescued(task);
    const done = await finishTask(prepared, scope, await context.agentFor(this.play, task), context, {
      play: this.play.name,
      handler: false,
      rescued: caught,
    });
    if (done.failed && caught) {
      Object.assign(scope.hostFacts, failureVars(task, done.failure));
      done.changedVars = true;
    }
    if (done.changedTarget) this.reads.clear();
    if (done.changedTarget || done.changedVars) this.lookahead.invalidate();
    if (this.notifications.taskDone(task, index, done) && !context.check)
      await this.pending.add(this.notifications.names);
    return done.failed;
  }
}
