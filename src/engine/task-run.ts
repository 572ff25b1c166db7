/** One task on one host: render -> when -> prepare -> read (prepareTask), then diff -> apply -> register (finishTask). */
import {existsSync} from 'node:fs';
import {isAbsolute, join} from 'node:path';
import {performance} from 'node:perf_hooks';
import type {Task, Vars} from '../config/model.js';
import {checkSchema} from '../config/schema-check.js';
import {evalCondition, renderTemplateFile, renderValue} from '../config/template.js';
import {PxeError, PxeErrors} from '../errors.js';
import {modules} from '../resources/index.js';
import {isChange, type Resource, type TaskContext} from '../resources/types.js';
import type {Agent} from '../transport/types.js';
import type {Emit, ErrorReport, TaskOutcome, TaskStatus} from './events.js';
import {errorReport} from './host-run.js';
import {progressEmitter} from './progress.js';
import {Redactor, secretValues} from './redact.js';
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

const NO_LOG = 'the output has been hidden due to no_log: true';

/**
 * What a no_log task may show: its name, status and place, nothing it rendered, read or ran (summary, diff,
 * loop item, error text). Every outcome of a task goes through here, in every mode and output.
 */
export function shownOutcome(task: Task, outcome: TaskOutcome): TaskOutcome {
  if (!task.noLog) return outcome;
  return {...outcome, summary: NO_LOG, diff: undefined, item: undefined, result: undefined, error: outcome.error && {code: outcome.error.code, message: NO_LOG}};
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** retries / delay, rendered: a whole number, or an input error at the task. */
function wholeNumber(task: Task, key: 'retries' | 'delay', vars: Vars): number {
  const value = Number(renderValue(task[key], vars, task.pos));
  if (Number.isInteger(value) && value >= 0) return value;
  throw new PxeError('E_SCHEMA', `${key} must be a whole number, got ${JSON.stringify(task[key])}`, {where: {...task.pos, task: task.name}, expected: 'a whole number, 0 or more'});
}

function moduleOf(task: Task): Resource {
  const module = modules.get(task.module);
  if (!module) throw new PxeError('E_UNKNOWN_MODULE', `unknown module '${task.module}'`, {where: task.pos});
  return module;
}

/** Role templates/ (or files/) first, then the playbook's dir and its templates/ (or files/). */
function lookup(task: Task, baseDir: string, kind: 'templates' | 'files', name: string): string {
  if (isAbsolute(name)) return name;
  const candidates = [task.role && join(task.role.dir, kind, name), join(baseDir, kind, name), join(baseDir, name)].filter((p): p is string => !!p);
  return candidates.find((p) => existsSync(p)) ?? candidates[0]!;
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

export async function prepareTask(task: Task, scope: HostScope, agent: Agent, mode: {check: boolean; checksum?: boolean; emit?: Emit}, redactor: Redactor, reads?: ReadCache): Promise<Prepared> {
  const started = performance.now();
  try {
    const module = moduleOf(task);
    const vars = taskVars(scope, task);
    // The play's variables were searched once (runPlay); what a task adds is its own vars and the results so far.
    redactor.add(secretValues({...task.vars, ...scope.hostFacts}));
    const loopItems = task.loop === undefined ? [undefined] : renderValue(task.loop, vars, task.pos);
    if (!Array.isArray(loopItems)) {
      throw new PxeError('E_TASK', `loop did not render to a list`, {where: {...task.pos, task: task.name}, hint: 'loop: takes a list, e.g. "{{ names }}"'});
    }
    const items = await Promise.all(
      loopItems.map(async (item): Promise<PreparedItem> => {
        const itemVars = task.loop === undefined ? vars : {...vars, [task.loopVar]: item};
        const label = task.loop === undefined ? undefined : itemLabel(item);
        try {
          for (const condition of task.when) {
            if (!evalCondition(condition, itemVars, task.pos)) return {label, vars: itemVars, skip: `condition false: ${condition}`};
          }
          let args = withoutOmitted(renderValue(task.args, itemVars, task.pos));
          if (typeof args === 'string' && module.freeForm) args = {[module.freeForm]: args};
          const invalid = checkSchema(module.schema, args ?? {}, undefined, {code: 'E_MODULE_ARGS', what: `module '${module.name}'`});
          if (invalid.length > 0) throw new PxeErrors(invalid);
          const ctx: TaskContext = {
            host: scope.host,
            task,
            vars: itemVars,
            checkMode: mode.check,
            checksum: mode.checksum ?? false,
            renderTemplateFile: (src) => renderTemplateFile(lookup(task, scope.play.baseDir, 'templates', src), itemVars),
            resolveFile: (src) => lookup(task, scope.play.baseDir, 'files', src),
            resolveTemplate: (src) => lookup(task, scope.play.baseDir, 'templates', src),
            // The item as outcomes show it: masked, and hidden under no_log.
            progress: mode.emit && progressEmitter(mode.emit, {host: scope.host, play: scope.play.name, task: task.name, item: task.noLog ? undefined : redactor.text(label)}),
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
      }),
    );
    return {task, items, ms: performance.now() - started};
  } catch (error) {
    return {task, items: [], error, ms: performance.now() - started};
  }
}

interface FinishOptions {
  check: boolean;
  play: string;
  handler: boolean;
  /** A failure here is caught by the rescue of a block around the task. */
  rescued?: boolean;
  redactor: Redactor;
  record(outcome: TaskOutcome): void;
  /** until: was false and the task runs again. */
  retry?(attempt: {item?: string; attempt: number; retriesLeft: number}): void;
}

export async function finishTask(prepared: Prepared, scope: HostScope, agent: Agent, options: FinishOptions): Promise<TaskDone> {
  const {task} = prepared;
  const done: TaskDone = {changed: false, failed: false, changedTarget: false, changedVars: false, results: []};
  const outcome = (status: TaskStatus, summary: string, extra: Partial<TaskOutcome> = {}, started = performance.now()): TaskOutcome =>
    shownOutcome(task, {
      host: scope.host,
      play: options.play,
      task: task.name,
      pos: task.pos,
      status,
      summary,
      handler: options.handler,
      ...extra,
      ms: Math.round(performance.now() - started + (prepared.ms ?? 0)),
    });
  const fail = (error: unknown, label?: string, result?: Record<string, unknown>) => {
    const report = errorReport(error, options.redactor);
    const ignored = task.ignoreErrors || undefined;
    const rescued = (!ignored && options.rescued) || undefined;
    const recorded = outcome('failed', report.message, {error: report, item: label, ignored, rescued, result});
    options.record(recorded);
    if (!ignored) {
      done.failed = true;
      // A rescue sees what the output shows (ansible_failed_result of a no_log task is hidden too).
      done.failure ??= recorded.error;
    }
  };

  if (prepared.error) {
    fail(prepared.error);
    return done;
  }
  const module = moduleOf(task);
  const results = done.results;
  for (const item of prepared.items) {
    const started = performance.now();
    if (item.skip) {
      options.record(outcome('skipped', item.skip, {item: item.label}, started));
      results.push({changed: false, skipped: true, skip_reason: item.skip});
      continue;
    }
    if (item.error) {
      fail(item.error, item.label);
      results.push({changed: false, failed: true});
      continue;
    }
    try {
      // until: the register holds each attempt's result; while the condition is false (or the module
      // raised), the task is read and run again, `delay` seconds apart, at most `retries` more times.
      const attempts = task.until === undefined ? 1 : wholeNumber(task, 'retries', item.vars) + 1;
      let run: Attempt | undefined;
      for (let attempt = 1; ; attempt++) {
        if (attempt > 1) {
          options.retry?.({item: item.label, attempt: attempt - 1, retriesLeft: attempts - attempt + 1});
          await sleep(wholeNumber(task, 'delay', item.vars) * 1000);
          item.observed = await module.read(item.args, agent, item.ctx!);
        }
        try {
          run = await attemptItem(module, item, agent, scope, options.check, done, attempt);
        } catch (error) {
          if (attempt >= attempts) throw error;
          continue;
        }
        const {status, result, judged} = run;
        if (task.until === undefined || status === 'skipped' || evalCondition(task.until, judged, task.pos)) break;
        if (attempt >= attempts) {
          run.failed = result.failed = true;
          result.msg ||= `until is still false after ${attempt} attempts: ${task.until}`;
          break;
        }
      }
      const {status, summary, diff, result, warning, show, failed} = run;
      results.push(result);
      if (failed) {
        fail(new PxeError('E_TASK', String(result.msg || `failed_when is true: ${task.failedWhen}`), {where: {host: scope.host, task: task.name}}), item.label, result);
        continue;
      }
      if (status === 'changed') {
        done.changed = true;
        if (!options.check) done.changedTarget = true;
      }
      options.record(outcome(status, summary, {diff: diff || undefined, item: item.label, warning, show, result}, started));
    } catch (error) {
      results.push({changed: false, failed: true});
      fail(error, item.label);
    }
  }
  if (task.register) {
    scope.hostFacts[task.register] =
      task.loop === undefined
        ? results[0] ?? {changed: false, skipped: true}
        : {results, changed: results.some((r) => r.changed), failed: results.some((r) => r.failed), skipped: results.every((r) => r.skipped)};
    done.changedVars = true;
  }
  return done;
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

/** One attempt of an item: diff, apply (not in check mode), then changed_when / failed_when over the result. */
async function attemptItem(module: Resource, item: PreparedItem, agent: Agent, scope: HostScope, check: boolean, done: TaskDone, number: number): Promise<Attempt> {
  const task = item.ctx!.task;
  const verdict = module.diff(item.args, item.observed, item.ctx!);
  let attempt: Omit<Attempt, 'failed' | 'judged'>;
  if (!isChange(verdict)) {
    attempt = {status: 'ok', summary: verdict.ok, result: {changed: false, ...verdict.result}, warning: verdict.warning ? true : undefined, show: verdict.show ? true : undefined};
    if (verdict.facts) {
      Object.assign(scope.hostFacts, verdict.facts);
      done.changedVars = true;
    }
  } else if (check) {
    attempt = module.action
      ? {status: 'skipped', summary: `would ${verdict.summary} (not run in check mode)`, result: {changed: false, skipped: true}}
      : {status: 'changed', summary: verdict.summary, diff: verdict.diff, result: {changed: true}};
  } else {
    const applied = await module.apply(verdict, agent, item.ctx!);
    attempt = {status: 'changed', summary: verdict.summary, diff: verdict.diff, result: {changed: true, ...(applied ? applied.result : {})}};
  }
  const {result} = attempt;
  // As in Ansible, `attempts` is there for changed_when and failed_when already.
  if (task.until !== undefined && attempt.status !== 'skipped') result.attempts = number;
  const judged = {...item.vars, ...(task.register ? {[task.register]: result} : {}), result};
  const failed = task.failedWhen === undefined ? result.failed === true : evalCondition(task.failedWhen, judged, task.pos);
  if (task.changedWhen !== undefined && !failed && attempt.status !== 'skipped') {
    attempt.status = evalCondition(task.changedWhen, judged, task.pos) ? 'changed' : 'ok';
    result.changed = attempt.status === 'changed';
  }
  result.failed = failed;
  return {...attempt, failed, judged};
}
