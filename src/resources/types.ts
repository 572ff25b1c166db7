/**
 * A module: one file per module under src/resources/, schema at the top, then read -> diff -> apply.
 * `read` never changes the target; `diff` is pure; `apply` runs only in `up`, never in check mode.
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

export interface Change {
  /** One line: what would change ("content differs", "would install isc-dhcp-server"). */
  summary: string;
  /** Unified diff, when the change is to text (secrets already redacted by the engine). */
  diff?: string;
  /** What apply needs; opaque to the engine. */
  plan: unknown;
}

export interface NoChange {
  /** One line: why there is nothing to do ("already up to date"), or what debug says. */
  ok: string;
  /** Values for `register:` (e.g. a read-only command's output). */
  result?: Record<string, unknown>;
  /** set_fact: variables the host gets from here on. */
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

export interface Resource<Args = any, Observed = any> {
  /** The module's name in YAML. */
  name: string;
  /** JSON schema of the arguments; unknown keys rejected. */
  schema: Record<string, unknown>;
  /** A short alias key for free-form args (command: "echo hi" -> {cmd: "echo hi"}). */
  freeForm?: string;
  /** Its change is an action, not a state (command, shell): not run in check mode and not drift. */
  action?: boolean;
  /** Its read is slow (a network scan): read in its turn only, never ahead. */
  slowRead?: boolean;
  /** Control-side preparation after templating (render a template, hash a local file). Pure w.r.t. the target. */
  prepare?(args: Args, ctx: TaskContext): Promise<Args>;
  read(args: Args, agent: Agent, ctx: TaskContext): Promise<Observed>;
  diff(args: Args, observed: Observed, ctx: TaskContext): Change | NoChange;
  apply(change: Change, agent: Agent, ctx: TaskContext): Promise<ApplyResult | void>;
}

export function isChange(result: Change | NoChange): result is Change {
  return !('ok' in result);
}
