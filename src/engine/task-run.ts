/**
 * What happens to one task on one host, all of it here. prepareTask: its variables, its loop, then per
 * item when -> arguments rendered and checked -> the module's prepare -> read (ahead of its turn, pipelined).
 * finishTask, in its turn: per item diff (a data source's report) -> apply, not in check mode ->
 * changed_when / failed_when -> until; each outcome recorded; then register.
 */
import {existsSync} from 'node:fs';
import {isAbsolute, join} from 'node:path';
import {performance} from 'node:perf_hooks';
import type {Play, Task, Vars} from '../config/model.js';
import {checkSchema} from '../config/schema-check.js';
import {evalCondition, renderTemplateFile, renderValue} from '../config/template.js';
import {PxeError, PxeErrors} from '../errors.js';
import {modules} from '../resources/index.js';
import {isChange, type Module, type NoChange, type Resource, type TaskContext} from '../resources/types.js';
import type {Agent} from '../transport/types.js';
import type {Emit, ErrorReport, TaskOutcome, TaskStatus} from './events.js';
import {errorReport, shownOutcome} from './outcome.js';
import {progressEmitter} from './progress.js';
import type {Redactor} from './redact.js';
import {taskVars, withoutOmitted, type HostScope} from './scope.js';

export interface PreparedItem {
  label?: string;
  vars: Vars;
  skip?: string;
  args?: unknown;
  observed?: unknown;
  error?: unknown;
  ctx?: TaskContext;
}

export interface Prepared {
  task: Task;
  items: PreparedItem[];
  error?: unknown;
  ms?: number;
}

export interface TaskDone {
  changed: boolean;
  failed: boolean;
  /** The first failure that was not ignored (a rescue sees it as ansible_failed_result). */
  failure?: ErrorReport;
  /** Something was applied: later reads are stale. */
  changedTarget: boolean;
  /** register / set_fact changed the variables: later renders are stale. */
  changedVars: boolean;
  /** What each item gave (what `register` gets). */
  results: Record<string, unknown>[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** retries / delay, rendered: a whole number, or an input error at the task. */
function wholeNumber(task: Task, key: 'retries' | 'delay', vars: Vars): number {
  const value = Number(renderValue(task[key], vars, task.pos));
  if (Number.isInteger(value) && value >= 0) return value;
  throw new PxeError('E_SCHEMA', `${key} must be a whole number, got ${JSON.stringify(task[key])}`, {
    where: {...task.pos, task: task.name},
    expected: 'a whole number, 0 or more',
  });
}

function moduleOf(task: Task): Module {
  const module = modules.get(task.module);
  if (!module) throw new PxeError('E_UNKNOWN_MODULE', `unknown module '${task.module}'`, {where: task.pos});
  return module;
}

/** Role templates/ (or files/) first, then the playbook's dir and its templates/ (or files/). */
function lookup(task: Task, baseDir: string, kind: 'templates' | 'files', name: string): string {
  if (isAbsolute(name)) return name;
  const candidates = [
    task.role && join(task.role.dir, kind, name),
    join(baseDir, kind, name),
    join(baseDir, name),
  ].filter((p): p is string => !!p);
  return candidates.find((p) => existsSync(p)) ?? candidates[0]!;
}

/** lookup, once per name for all the items of a task (a loop names the same file for each). */
function taskLookup(task: Task, baseDir: string): (kind: 'templates' | 'files', name: string) => string {
  const found = new Map<string, string>();
  return (kind, name) => {
    const key = `${kind}\0${name}`;
    let path = found.get(key);
    if (path === undefined) found.set(key, (path = lookup(task, baseDir, kind, name)));
    return path;
  };
}

function itemLabel(item: unknown): string {
  if (typeof item === 'string' || typeof item === 'number') return String(item);
  const named = item as {name?: unknown} | null;
  return typeof named?.name === 'string' ? named.name : JSON.stringify(item);
}

/**
 * Reads by module and rendered arguments. A read stays valid while nothing is applied, so re-rendering
 * after a register or set_fact reuses the reads whose arguments did not change.
 */
export type ReadCache = Map<string, Promise<unknown>>;

/** Where an item is prepared: the host, the agent that reads, check mode and --checksum, the play's reads so far, and the task's file lookup. */
interface ItemSetting {
  scope: HostScope;
  agent: Agent;
  mode: {check: boolean; checksum?: boolean; emit?: Emit};
  reads?: ReadCache;
  redactor: Redactor;
  find(kind: 'templates' | 'files', name: string): string;
}

/** One loop item (or the task itself): when, its arguments rendered and checked, the module's prepare, then its read. */
async function prepareItem(
  task: Task,
  module: Module,
  itemVars: Vars,
  label: string | undefined,
  {scope, agent, mode, reads, find, redactor}: ItemSetting,
): Promise<PreparedItem> {
  try {
    for (const condition of task.when) {
      if (!evalCondition(condition, itemVars, task.pos))
        return {label, vars: itemVars, skip: `condition false: ${condition}`};
    }
    let args = withoutOmitted(renderValue(task.args, itemVars, task.pos));
    if (typeof args === 'string' && module.freeForm) args = {[module.freeForm]: args};
    const invalid = checkSchema(module.schema, args ?? {}, undefined, {
      code: 'E_MODULE_ARGS',
      what: `module '${module.name}'`,
    });
    if (invalid.length > 0) throw new PxeErrors(invalid);
    const ctx: TaskContext = {
      host: scope.host,
      task,
      vars: itemVars,
      checkMode: mode.check,
      checksum: mode.checksum ?? false,
      renderTemplateFile: (src) => renderTemplateFile(find('templates', src), itemVars),
      resolveFile: (src) => find('files', src),
      resolveTemplate: (src) => find('templates', src),
      // The item as outcomes show it: masked, and hidden under no_log.
      progress:
        mode.emit &&
        progressEmitter(mode.emit, {
          host: scope.host,
          play: scope.play.name,
          task: task.name,
          item: task.noLog ? undefined : redactor.text(label),
        }),
    };
    const key = `${module.name}\0${agent.readOnly}\0${JSON.stringify(args)}`;
    if (module.prepare) args = await module.prepare(args, ctx);
    let read = reads?.get(key);
    if (!read) {
      read = module.read(args, agent, ctx);
      reads?.set(key, read);
    }
    const observed = await read;
    return {label, vars: itemVars, args, observed, ctx};
  } catch (error) {
    return {label, vars: itemVars, error};
  }
}

/** A task up to its read: its variables, its loop's items, each prepared and read (reads may be pipelined). */
export async function prepareTask(
  task: Task,
  scope: HostScope,
  agent: Agent,
  mode: {check: boolean; checksum?: boolean; emit?: Emit},
  redactor: Redactor,
  reads?: ReadCache,
): Promise<Prepared> {
  const started = performance.now();
  try {
    const module = moduleOf(task);
    const vars = taskVars(scope, task);
    // The play's variables were searched once (runPlay); what a task adds is its own vars and the results so far.
    redactor.addVars(task.vars, scope.hostFacts);
    const find = taskLookup(task, scope.play.baseDir);
    const loopItems = task.loop === undefined ? [undefined] : renderValue(task.loop, vars, task.pos);
    if (!Array.isArray(loopItems)) {
      throw new PxeError('E_TASK', `loop did not render to a list`, {
        where: {...task.pos, task: task.name},
        hint: 'loop: takes a list, e.g. "{{ names }}"',
      });
    }
    const items = await Promise.all(
      loopItems.map((item) => {
        const itemVars = task.loop === undefined ? vars : {...vars, [task.loopVar]: item};
        return prepareItem(task, module, itemVars, task.loop === undefined ? undefined : itemLabel(item), {
          scope,
          agent,
          mode,
          reads,
          find,
          redactor,
        });
      }),
    );
    return {task, items, ms: performance.now() - started};
  } catch (error) {
    return {task, items: [], error, ms: performance.now() - started};
  }
}

/** What running a task on a host needs from the run around it. */
export interface TaskRunContext {
  check: boolean;
  /** --checksum: modules compare contents where they otherwise trust size and mtime. */
  checksum?: boolean;
  emit: Emit;
  redactor: Redactor;
  /** Counts an outcome in the host's report and emits it. */
  record(outcome: TaskOutcome): void;
  /** The agent a task runs through, for its become settings. */
  agentFor(play: Play, task?: Task): Promise<Agent>;
}

/** Where a task runs: its play, whether it is a handler, and whether a block's rescue catches its failure. */
export interface TaskPlace {
  play: string;
  handler: boolean;
  rescued?: boolean;
}

/** The outcomes of one task's items as they are recorded, and what the task did as a whole. */
class TaskRecorder {
  readonly done: TaskDone = {changed: false, failed: false, changedTarget: false, changedVars: false, results: []};

  constructor(
    private readonly prepared: Prepared,
    private readonly host: string,
    readonly run: TaskRunContext,
    private readonly place: TaskPlace,
  ) {}

  record(
    status: TaskStatus,
    summary: string,
    extra: Partial<TaskOutcome> = {},
    started = performance.now(),
  ): TaskOutcome {
    const {task} = this.prepared;
    const outcome = shownOutcome(task, {
      host: this.host,
      play: this.place.play,
      task: task.name,
      pos: task.pos,
      status,
      summary,
      handler: this.place.handler,
      ...extra,
      ms: Math.round(performance.now() - started + (this.prepared.ms ?? 0)),
    });
    this.run.record(outcome);
    return outcome;
  }

  fail(error: unknown, label?: string, result?: Record<string, unknown>): void {
    const report = errorReport(error, this.run.redactor);
    const ignored = this.prepared.task.ignoreErrors || undefined;
    const rescued = (!ignored && this.place.rescued) || undefined;
    const recorded = this.record('failed', report.message, {error: report, item: label, ignored, rescued, result});
    if (!ignored) {
      this.done.failed = true;
      // A rescue sees what the output shows (ansible_failed_result of a no_log task is hidden too).
      this.done.failure ??= recorded.error;
    }
  }

  /** until: was false and the item runs again. */
  retry(item: string | undefined, attempt: number, retriesLeft: number): void {
    this.run.emit({
      type: 'task-retry',
      host: this.host,
      play: this.place.play,
      task: this.prepared.task.name,
      item,
      attempt,
      retriesLeft,
    });
  }
}

/** A prepared task's items in turn: diff, apply (not in check mode), record; then its register. */
export async function finishTask(
  prepared: Prepared,
  scope: HostScope,
  agent: Agent,
  run: TaskRunContext,
  place: TaskPlace,
): Promise<TaskDone> {
  const {task} = prepared;
  const recorder = new TaskRecorder(prepared, scope.host, run, place);
  const {done} = recorder;
  if (prepared.error) {
    recorder.fail(prepared.error);
    return done;
  }
  const module = moduleOf(task);
  for (const item of prepared.items) done.results.push(await finishItem(item, module, agent, scope, recorder));
  // An empty loop runs nothing: the task is skipped, as Ansible reports it ("No items in the list").
  if (prepared.items.length === 0) recorder.record('skipped', 'no items in the loop');
  if (task.register) {
    const {results} = done;
    scope.hostFacts[task.register] =
      task.loop === undefined
        ? (results[0] ?? {changed: false, skipped: true})
        : {
            results,
            changed: results.some((r) => r.changed),
            failed: results.some((r) => r.failed),
            skipped: results.every((r) => r.skipped),
          };
    done.changedVars = true;
  }
  return done;
}

/** One item: skipped, failed before it ran, or run (with until:) and recorded. Returns what `register` gets of it. */
async function finishItem(
  item: PreparedItem,
  module: Module,
  agent: Agent,
  scope: HostScope,
  recorder: TaskRecorder,
): Promise<Record<string, unknown>> {
  const started = performance.now();
  if (item.skip) {
    recorder.record('skipped', item.skip, {item: item.label}, started);
    return {changed: false, skipped: true, skip_reason: item.skip};
  }
  if (item.error) {
    recorder.fail(item.error, item.label);
    return {changed: false, failed: true};
  }
  try {
    const {status, summary, diff, result, warning, show, failed} = await attemptUntil(
      item,
      module,
      agent,
      scope,
      recorder,
    );
    if (failed) {
      const task = item.ctx!.task;
      recorder.fail(
        new PxeError('E_TASK', String(result.msg || `failed_when is true: ${task.failedWhen}`), {
          where: {host: scope.host, task: task.name},
        }),
        item.label,
        result,
      );
      return result;
    }
    if (status === 'changed') {
      recorder.done.changed = true;
      if (!recorder.run.check) recorder.done.changedTarget = true;
    }
    recorder.record(status, summary, {diff: diff || undefined, item: item.label, warning, show, result}, started);
    return result;
  } catch (error) {
    recorder.fail(error, item.label);
    return {changed: false, failed: true};
  }
}

/**
 * until: the register holds each attempt's result; while the condition is false (or the module raised), the
 * item is read and run again, `delay` seconds apart, at most `retries` more times.
 */
async function attemptUntil(
  item: PreparedItem,
  module: Module,
  agent: Agent,
  scope: HostScope,
  recorder: TaskRecorder,
): Promise<Attempt> {
  const task = item.ctx!.task;
  const attempts = task.until === undefined ? 1 : wholeNumber(task, 'retries', item.vars) + 1;
  for (let attempt = 1; ; attempt++) {
    if (attempt > 1) {
      recorder.retry(item.label, attempt - 1, attempts - attempt + 1);
      await sleep(wholeNumber(task, 'delay', item.vars) * 1000);
      item.observed = await module.read(item.args, agent, item.ctx!);
    }
    let run: Attempt;
    try {
      run = await attemptItem(module, item, agent, scope, recorder.run.check, recorder.done, attempt);
    } catch (error) {
      if (attempt >= attempts) throw error;
      continue;
    }
    if (task.until === undefined || run.status === 'skipped' || evalCondition(task.until, run.judged, task.pos))
      return run;
    if (attempt >= attempts) {
      run.failed = run.result.failed = true;
      run.result.msg ||= `until is still false after ${attempt} attempts: ${task.until}`;
      return run;
    }
  }
}

interface Attempt {
  status: TaskStatus;
  summary: string;
  diff?: string;
  result: Record<string, unknown>;
  warning?: true;
  /** debug: shown without -v, as Ansible shows it. */
  show?: true;
  failed: boolean;
  /** The item's variables with the result registered: what changed_when, failed_when and until see. */
  judged: Vars;
}

type Verdict = Omit<Attempt, 'failed' | 'judged'>;

/** Nothing to do, or what a data source found; set_fact's variables join the host's. */
function unchanged(verdict: NoChange, scope: HostScope, done: TaskDone): Verdict {
  if (verdict.facts) {
    Object.assign(scope.hostFacts, verdict.facts);
    done.changedVars = true;
  }
  return {
    status: 'ok',
    summary: verdict.ok,
    result: {changed: false, ...verdict.result},
    warning: verdict.warning ? true : undefined,
    show: verdict.show ? true : undefined,
  };
}

/** A resource's diff and, unless in check mode, the apply of its plan. */
async function converge(
  module: Resource<unknown, unknown, unknown>,
  item: PreparedItem,
  agent: Agent,
  scope: HostScope,
  check: boolean,
  done: TaskDone,
): Promise<Verdict> {
  const verdict = module.diff(item.args, item.observed, item.ctx!);
  if (!isChange(verdict)) return unchanged(verdict, scope, done);
  if (check) {
    return module.action
      ? {
          status: 'skipped',
          summary: `would ${verdict.summary} (not run in check mode)`,
          result: {changed: false, skipped: true},
        }
      : {status: 'changed', summary: verdict.summary, diff: verdict.diff, result: {changed: true}};
  }
  const applied = await module.apply(verdict.plan, agent, item.ctx!);
  return {
    status: 'changed',
    summary: verdict.summary,
    diff: verdict.diff,
    result: {changed: true, ...(applied ? applied.result : {})},
  };
}

/** One attempt of an item: its verdict (and apply), then changed_when / failed_when over the result. */
async function attemptItem(
  module: Module,
  item: PreparedItem,
  agent: Agent,
  scope: HostScope,
  check: boolean,
  done: TaskDone,
  number: number,
): Promise<Attempt> {
  const task = item.ctx!.task;
  const attempt = module.readOnly
    ? unchanged(module.report(item.args, item.observed, item.ctx!), scope, done)
    : await converge(module, item, agent, scope, check, done);
  const {result} = attempt;
  // As in Ansible, `attempts` is there for changed_when and failed_when already.
  if (task.until !== undefined && attempt.status !== 'skipped') result.attempts = number;
  const judged = {...item.vars, ...(task.register ? {[task.register]: result} : {}), result};
  const failed =
    task.failedWhen === undefined ? result.failed === true : evalCondition(task.failedWhen, judged, task.pos);
  if (task.changedWhen !== undefined && !failed && attempt.status !== 'skipped') {
    attempt.status = evalCondition(task.changedWhen, judged, task.pos) ? 'changed' : 'ok';
    result.changed = attempt.status === 'changed';
  }
  result.failed = failed;
  return {...attempt, failed, judged};
}
