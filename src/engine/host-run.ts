/**
 * One host through its plays: one connection, one agent; tasks read ahead (pipelined), diffed, applied;
 * notified handlers at the end of each play.
 */
import {performance} from 'node:perf_hooks';
import type {Block, BlockPlace, Inventory, Play, Task, Vars} from '../config/model.js';
import {errorsOf, PxeError} from '../errors.js';
import type {Agent} from '../transport/types.js';
import type {Emit, HostReport, TaskOutcome} from './events.js';
import {emptyStats} from './events.js';
import {lockTarget} from './target-lock.js';
import {handlersFor, pendingPath, readPending, selectedByTags, unanswered, writePending} from './handlers.js';
import {Lookahead} from './lookahead.js';
import {modules} from '../resources/index.js';
import {startedService} from '../resources/service.js';
import {Redactor, secretValues} from './redact.js';
import {taskVars, type HostScope} from './scope.js';
import {errorReport, shownOutcome} from './outcome.js';
import {finishTask, prepareTask, type Prepared, type ReadCache} from './task-run.js';

/** Opens the agent for a host (its connection vars already merged); readOnly in check mode. */
export type OpenAgent = (host: string, vars: Vars, readOnly: boolean) => Promise<Agent>;

export interface HostRunOptions {
  host: string;
  inventory: Inventory;
  plays: Play[];
  extraVars: Vars;
  check: boolean;
  /** --checksum: modules compare contents where they otherwise trust size and mtime. */
  checksum?: boolean;
  tags: string[];
  skipTags: string[];
  emit: Emit;
  open: OpenAgent;
  /** Connection variables below every inventory variable (-u, --private-key, -K, ansible.cfg). */
  connectionVars?: Vars;
  /** -b: become, unless a play, a task or a variable says otherwise. */
  become?: boolean;
}

/**
 * Input errors (exit-3 class) found while preparing the whole play. An undefined variable counts only
 * when no earlier task could define it (register, set_fact).
 */
function inputErrors(tasks: Task[], prepared: Prepared[]): {task: Task; error: unknown}[] {
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
    definesVars ||= task.register !== undefined || task.module === 'set_fact';
  });
  return found;
}

function lockOptions(vars: Vars): {stateDir: string; timeoutS: number} {
  const timeoutS = Number(vars.pxeprov_lock_timeout ?? 60);
  if (!Number.isFinite(timeoutS) || timeoutS < 0) {
    throw new PxeError('E_VARS', `pxeprov_lock_timeout must be a number of seconds, got ${JSON.stringify(vars.pxeprov_lock_timeout)}`, {hint: 'for example pxeprov_lock_timeout: 300'});
  }
  // A run's lock is runtime state: /run (gone at reboot, and no write under /var/lib for a run that
  // changes nothing), unless the host keeps its state elsewhere.
  const dir = vars.pxeprov_lock_dir ?? vars.pxeprov_state_dir ?? '/run/pxeprov';
  return {stateDir: String(dir), timeoutS};
}

/**
 * The run's lock on the target. Held by another run: the host fails (and this agent is closed). A login
 * that cannot write the state dir (no become) runs without one, and says so.
 */
async function takeLock(agent: Agent, options: {stateDir: string; timeoutS: number}, emit: Emit): Promise<Agent> {
  try {
    await lockTarget(agent, options);
  } catch (error) {
    if (error instanceof PxeError && error.code === 'E_REMOTE') {
      emit({type: 'warning', message: `${agent.host}: no run lock (${error.message}); another run at the same time could interleave with this one`});
      return agent;
    }
    await agent.close();
    throw error;
  }
  return agent;
}

export async function runHost(options: HostRunOptions): Promise<HostReport> {
  const {host, emit} = options;
  const started = performance.now();
  const report: HostReport = {host, stats: emptyStats(), tasks: [], ms: 0};
  const redactor = new Redactor();
  const inventoryVars = {...options.connectionVars, ...options.inventory.hosts.get(host)?.vars, ...options.extraVars};
  redactor.add(secretValues(inventoryVars));
  emit({type: 'host-start', host});

  const agents = new Map<string, Promise<Agent>>();
  const agentFor = (play: Play, task?: Task): Promise<Agent> => {
    const become = task?.become ?? (inventoryVars.ansible_become as boolean | undefined) ?? play.become ?? options.become ?? false;
    const becomeUser = task?.becomeUser ?? (inventoryVars.ansible_become_user as string | undefined) ?? play.becomeUser ?? 'root';
    const key = become ? `become:${becomeUser}` : 'plain';
    if (!agents.has(key)) {
      let opened = options.open(host, {...inventoryVars, ansible_become: become, ansible_become_user: becomeUser}, options.check);
      // The first agent that may write takes the run's lock; the others of this host work under it.
      if (!options.check && agents.size === 0) opened = opened.then((agent) => takeLock(agent, lockOptions(inventoryVars), emit));
      // Marked handled here; every use awaits it and sees the failure.
      opened.catch(() => undefined);
      agents.set(key, opened);
    }
    return agents.get(key)!;
  };

  const record = (outcome: TaskOutcome) => {
    const clean = {...outcome, summary: redactor.text(outcome.summary), diff: redactor.text(outcome.diff), item: redactor.text(outcome.item), result: redactor.value(outcome.result)};
    report.tasks.push(clean);
    // Counted as Ansible counts: ok includes changed tasks and ignored failures.
    if (clean.status === 'failed') report.stats[clean.ignored ? 'ignored' : clean.rescued ? 'rescued' : 'failed']++;
    else if (clean.status === 'skipped') report.stats.skipped++;
    if (clean.status === 'ok' || clean.status === 'changed' || clean.ignored) report.stats.ok++;
    if (clean.status === 'changed') report.stats.changed++;
    emit({type: 'task-done', outcome: clean});
  };

  const hostFacts: Vars = {};
  try {
    for (const play of options.plays) {
      const connectStarted = performance.now();
      const agent = await agentFor(play).catch((error) => {
        // A target held by another run was reached: it fails, it is not unreachable.
        if (!(error instanceof PxeError && error.code === 'E_LOCKED')) report.stats.unreachable = 1;
        throw error;
      });
      if (play === options.plays[0]) emit({type: 'host-connected', host, ms: Math.round(performance.now() - connectStarted)});
      emit({type: 'play-start', host, play: play.name});
      const scope: HostScope = {host, inventory: options.inventory, play, facts: play.gatherFacts ? agent.facts : undefined, hostFacts, extraVars: options.extraVars};
      redactor.add(secretValues(taskVars(scope)));
      const failed = await runPlay(play, scope, agent, {...options, redactor, record, agentFor});
      if (failed) break;
    }
  } catch (error) {
    report.error = errorReport(error, redactor);
    if (report.stats.unreachable === 0) report.stats.failed++;
  } finally {
    await Promise.all([...agents.values()].map((a) => a.then((agent) => agent.close(), () => undefined)));
  }
  report.ms = Math.round(performance.now() - started);
  emit({type: 'host-done', report});
  return report;
}

interface PlayRunContext extends HostRunOptions {
  redactor: Redactor;
  record(outcome: TaskOutcome): void;
  agentFor(play: Play, task?: Task): Promise<Agent>;
}

/** Runs a play's tasks then its notified handlers; returns true when the host failed. */
async function runPlay(play: Play, scope: HostScope, agent: Agent, run: PlayRunContext): Promise<boolean> {
  const tasks = play.tasks.filter((t) => selectedByTags([...t.tags, ...play.tags], run.tags, run.skipTags));
  const pending = pendingPath(scope.inventory.hosts.get(scope.host)?.vars.pxeprov_state_dir as string | undefined);
  const pendingFromTarget = readPending(agent, pending);
  // Read ahead and awaited where it is needed; a play that ends before then must not leave it unhandled.
  pendingFromTarget.catch(() => undefined);
  const notified = new Set<string>();
  const reads: ReadCache = new Map();
  const prepare = (task: Task): Promise<Prepared> =>
    run.agentFor(play, task).then(
      (taskAgent) => prepareTask(task, scope, taskAgent, run, run.redactor, reads),
      (error) => ({task, items: [], error}),
    );
  const lookahead = new Lookahead(tasks, prepare, (task) => !modules.get(task.module)?.slowRead);
  if (!run.check) {
    // Bad input (a missing ISO, a subnet that does not hold the address) fails before anything changes.
    const invalid = inputErrors(tasks, await lookahead.all());
    for (const {task, error} of invalid) {
      const report = errorReport(error, run.redactor);
      run.record(shownOutcome(task, {host: scope.host, play: play.name, task: task.name, pos: task.pos, status: 'failed', summary: report.message, error: report, handler: false, ms: 0}));
    }
    if (invalid.length > 0) return true;
  }

  // When a service was (re)started after the last notification of its restart handler, that restart is redundant.
  const notifiedAt = new Map<string, number>();
  const startedAt = new Map<string, number>();
  // Where each block's first failure happened: it decides which of its tasks, rescue and always still run.
  const blockFailures = new Map<Block, BlockPlace['section']>();
  for (let index = 0; index < tasks.length; index++) {
    const task = tasks[index]!;
    const closeBlocks = () => closeEndingBlocks(task, tasks[index + 1], blockFailures);
    if (!inTurn(task, blockFailures)) {
      if (closeBlocks()) return true;
      continue;
    }
    run.emit({type: 'task-start', host: scope.host, play: play.name, task: task.name, handler: false});
    const prepared = await lookahead.get(index);
    const rescued = rescuedBy(task.blocks);
    const retry = (attempt: {item?: string; attempt: number; retriesLeft: number}) => run.emit({type: 'task-retry', host: scope.host, play: play.name, task: task.name, ...attempt});
    const done = await finishTask(prepared, scope, await run.agentFor(play, task), {check: run.check, play: play.name, handler: false, rescued, redactor: run.redactor, record: run.record, retry});
    if (done.failed && rescued) {
      // As in Ansible, the rescue sees what failed.
      scope.hostFacts.ansible_failed_task = {name: task.name, action: task.module};
      scope.hostFacts.ansible_failed_result = {failed: true, msg: done.failure?.message, code: done.failure?.code};
      done.changedVars = true;
    }
    if (done.changedTarget) reads.clear();
    if (done.changedTarget || done.changedVars) lookahead.invalidate();
    for (const result of done.results) {
      const service = startedService(task.module, result);
      if (service) startedAt.set(service, index);
    }
    if (done.changed && task.notify.length > 0) {
      const before = notified.size;
      for (const name of task.notify) {
        notified.add(name);
        notifiedAt.set(name, index);
      }
      if (!run.check && notified.size > before) await writePending(agent, pending, [...notified, ...(await pendingFromTarget)]);
    }
    if (done.failed) {
      const place = task.blocks?.at(-1);
      if (!place) return true;
      blockFailures.set(place.block, place.section);
    }
    if (closeBlocks()) return true;
  }

  for (const name of await pendingFromTarget) notified.add(name);
  const handlers = handlersFor(play.handlers, notified);
  for (const handler of handlers) {
    run.emit({type: 'task-start', host: scope.host, play: play.name, task: handler.name, handler: true});
    if (run.check) {
      run.record(shownOutcome(handler, {host: scope.host, play: play.name, task: handler.name, pos: handler.pos, status: 'changed', summary: 'would run (notified)', handler: true, ms: 0}));
      continue;
    }
    const handlerAgent = await run.agentFor(play, handler);
    const prepared = await prepareTask(handler, scope, handlerAgent, run, run.redactor);
    const lastNotified = Math.max(...[handler.name, ...handler.listen].map((name) => notifiedAt.get(name) ?? Infinity));
    const restarts = prepared.items.map((item) => item.args as {name?: string; state?: string} | undefined);
    if (handler.module === 'service' && restarts.length > 0 && restarts.every((a) => (a?.state === 'restarted' || a?.state === 'reloaded') && (startedAt.get(a.name!) ?? -1) > lastNotified)) {
      run.record(shownOutcome(handler, {host: scope.host, play: play.name, task: handler.name, pos: handler.pos, status: 'ok', summary: `not needed: ${restarts.map((a) => a!.name).join(', ')} started after the change`, handler: true, ms: 0}));
      continue;
    }
    const retry = (attempt: {item?: string; attempt: number; retriesLeft: number}) => run.emit({type: 'task-retry', host: scope.host, play: play.name, task: handler.name, ...attempt});
    const done = await finishTask(prepared, scope, handlerAgent, {check: run.check, play: play.name, handler: true, redactor: run.redactor, record: run.record, retry});
    if (done.failed) return true;
  }
  if (!run.check && (notified.size > 0 || (await pendingFromTarget).length > 0)) {
    await writePending(agent, pending, unanswered(play.handlers, notified));
  }
  return false;
}

/** Whether a task runs, given the failures so far in the blocks around it. */
function inTurn(task: Task, failures: Map<Block, BlockPlace['section']>): boolean {
  return (task.blocks ?? []).every(({block, section}) => {
    const failed = failures.get(block);
    if (section === 'block') return failed === undefined;
    if (section === 'rescue') return failed === 'block';
    return failed !== 'always';
  });
}

/** Whether a failure at this place is caught: by the first block outward whose block: holds it and that has a rescue. */
function rescuedBy(places: BlockPlace[] = []): boolean {
  return places.some(({block, section}) => section === 'block' && block.hasRescue);
}

/**
 * After `task`, the blocks that `next` is not in are over, innermost first. A failure that their rescue did
 * not handle moves to the enclosing block; past the outermost, the host fails (returns true).
 */
function closeEndingBlocks(task: Task, next: Task | undefined, failures: Map<Block, BlockPlace['section']>): boolean {
  const places = task.blocks ?? [];
  const continuing = new Set(next?.blocks?.map((p) => p.block));
  for (let depth = places.length - 1; depth >= 0 && !continuing.has(places[depth]!.block); depth--) {
    const {block} = places[depth]!;
    const failed = failures.get(block);
    failures.delete(block);
    if (failed === undefined || (failed === 'block' && block.hasRescue)) continue;
    const outer = places[depth - 1];
    if (!outer) return true;
    failures.set(outer.block, outer.section);
  }
  return false;
}
