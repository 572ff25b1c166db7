/**
 * The module contract. A module is one file under src/resources/ (a folder when it picks a backend), its
 * arguments' schema at the top, then read -> diff -> apply: `read` never changes the target; `diff` is pure
 * and returns either why there is nothing to do or a Change carrying the module's own typed plan; `apply`
 * receives that plan, only in `up`, never in check mode. A module that only reads (stat, find, assert,
 * debug …) is a DataSource: it reports what it found and has no apply. See CONTRIBUTING.md.
 */
import type {Agent} from '../transport/types.js';
import type {Task, Vars} from '../config/model.js';

/** What the engine knows while it runs one task on one host. */
export interface TaskContext {
  host: string;
  task: Task;
  vars: Vars;
  checkMode: boolean;
  /** --checksum: compare file contents where a module otherwise trusts size and mtime (media trees). */
  checksum: boolean;
  /** Render a template file (role templates/ first, then the playbook's dir) with the task's vars. */
  renderTemplateFile(src: string): Promise<string>;
  /** Where a template file is found (role templates/ first, then the playbook's dir). */
  resolveTemplate(src: string): string;
  /** Resolve a control-side file (role files/ first, then the playbook's dir). */
  resolveFile(src: string): string;
  /** A long transfer reports its bytes: `done` of `total` so far (the engine turns it into progress events). */
  progress?(done: number, total: number): void;
}

export interface Change<Plan> {
  /** One line: what would change ("content differs", "would install isc-dhcp-server"). */
  summary: string;
  /** Unified diff, when the change is to text (secrets already redacted by the engine). */
  diff?: string;
  /** What apply needs, in the module's own type; opaque to the engine. */
  plan: Plan;
}

export interface NoChange {
  /** One line: why there is nothing to do ("already up to date"), or what debug says. */
  ok: string;
  /** Values for `register:` (e.g. what stat found). */
  result?: Record<string, unknown>;
  /** set_fact: variables the host gets from here on (a module that sets them says so: definesVars). */
  facts?: Vars;
  /** Shown even without -v: something the user must know (e.g. the kernel has no nfsd). */
  warning?: boolean;
  /** debug: its result is what the task shows, also without -v. */
  show?: boolean;
}

export interface ApplyResult {
  /** Values registered with `register:` (stdout, rc, …), merged with {changed}. */
  result?: Record<string, unknown>;
}

/** What every module has: its name, its arguments' schema, and a read of the target. */
interface ModuleBase<Args, Observed> {
  /** The module's name in YAML. */
  name: string;
  /** JSON schema of the arguments; unknown keys rejected. */
  schema: Record<string, unknown>;
  /** A short alias key for free-form args (command: "echo hi" -> {cmd: "echo hi"}). */
  freeForm?: string;
  /** Its read is slow (a network scan): read in its turn only, never ahead. */
  slowRead?: boolean;
  /** Control-side preparation after templating (render a template, hash a local file). Pure w.r.t. the target. */
  prepare?(args: Args, ctx: TaskContext): Promise<Args>;
  read(args: Args, agent: Agent, ctx: TaskContext): Promise<Observed>;
}

/**
 * A module that starts services says which, so that the engine can skip a restart handler whose every
 * service was (re)started after the handler was notified: that restart would be redundant.
 */
export interface RestartCapability<Args> {
  /** The service an applied result (what `register` gets) started or restarted. */
  started(result: Record<string, unknown>): string | undefined;
  /** The service these arguments restart or reload, when that is what they do. */
  restarted(args: Args): string | undefined;
}

/** A module that keeps part of the target in a wanted state. */
export interface Resource<Args, Observed, Plan> extends ModuleBase<Args, Observed> {
  /** It may change the target: not a DataSource. */
  readOnly?: false;
  /** Its change is an action, not a state (command, shell): not run in check mode and not drift. */
  action?: boolean;
  restarts?: RestartCapability<Args>;
  diff(args: Args, observed: Observed, ctx: TaskContext): Change<Plan> | NoChange;
  apply(plan: Plan, agent: Agent, ctx: TaskContext): Promise<ApplyResult | void>;
}

/**
 * A module that only reads and reports (a data source, a fact): it never changes the target, so it has no
 * plan and no apply, and it runs the same in check mode. Its report may fail the task (assert, fail).
 */
export interface DataSource<Args, Observed> extends ModuleBase<Args, Observed> {
  readOnly: true;
  /** Its report sets host variables (set_fact): a later task's undefined variable is no input error. */
  definesVars?: boolean;
  /** What was found, for the output and `register:`; pure. */
  report(args: Args, observed: Observed, ctx: TaskContext): NoChange;
}

/** Any module, as the registry holds it (each module's own types are checked where it is written). */
export type Module = Resource<unknown, unknown, unknown> | DataSource<unknown, unknown>;

export function isChange<Plan>(result: Change<Plan> | NoChange): result is Change<Plan> {
  return !('ok' in result);
}
