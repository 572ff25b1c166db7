/**
 * What the engine tells the world. Events flow one way, to a renderer (listr2, plain lines or JSON);
 * the engine never prints. The RunReport is exactly what `--json` prints (schemas/report.schema.json).
 */
import type {SourcePos} from '../config/model.js';

export type TaskStatus = 'ok' | 'changed' | 'skipped' | 'failed';

export interface ErrorReport {
  code: string;
  message: string;
  /** file:line:col the error points at (a template line, a YAML node), when it has one. */
  at?: string;
  hint?: string;
  expected?: string;
}

export interface TaskOutcome {
  host: string;
  play: string;
  task: string;
  pos: SourcePos;
  status: TaskStatus;
  /** One line: what changed, would change, or why nothing did. */
  summary: string;
  /** Unified diff of what changed (or would change in check mode). */
  diff?: string;
  /** The loop item's label, for loops. */
  item?: string;
  handler: boolean;
  /** Shown in every output mode (a warn task). */
  warning?: boolean;
  /** A failure that ignore_errors turned into a warning. */
  ignored?: boolean;
  /** A failure that the rescue of a block around the task handles. */
  rescued?: boolean;
  error?: ErrorReport;
  /** What the module returned (what `register` gets: rc, stdout, stderr, msg…), secrets masked. */
  result?: Record<string, unknown>;
  /** debug: the result is shown as Ansible shows it (`ok: [host] => {"msg": …}`), also without -v. */
  show?: boolean;
  ms: number;
}

export interface HostStats {
  /** As in Ansible: tasks that ran without failing, changed ones and ignored failures included. */
  ok: number;
  changed: number;
  failed: number;
  skipped: number;
  unreachable: number;
  /** Failures a block's rescue handled (they do not fail the host). */
  rescued: number;
  /** Failures ignore_errors let pass. */
  ignored: number;
}

export interface HostReport {
  host: string;
  stats: HostStats;
  tasks: TaskOutcome[];
  /** Why the host failed or was unreachable. */
  error?: ErrorReport;
  ms: number;
}

export interface RunReport {
  playbook: string;
  inventory: string;
  check: boolean;
  /** In check mode: something differs from the playbook. */
  drift: boolean;
  hosts: HostReport[];
  /** What the run could not do but did not fail for (a play whose hosts: matches no host). */
  warnings: string[];
  ms: number;
}

export type EngineEvent =
  | {type: 'run-start'; playbook: string; hosts: string[]; check: boolean}
  | {type: 'warning'; message: string}
  | {type: 'host-start'; host: string}
  | {type: 'host-connected'; host: string; ms: number}
  | {type: 'play-start'; host: string; play: string}
  | {type: 'task-start'; host: string; play: string; task: string; handler: boolean}
  | {type: 'task-done'; outcome: TaskOutcome}
  /** until: was false, the task runs again after its delay. */
  | {type: 'task-retry'; host: string; play: string; task: string; item?: string; attempt: number; retriesLeft: number}
  /** A long transfer moves: `done` of `total` bytes, `ms` since it began (renderers derive rate and time left). */
  | {
      type: 'task-progress';
      host: string;
      play: string;
      task: string;
      item?: string;
      done: number;
      total: number;
      ms: number;
    }
  | {type: 'host-done'; report: HostReport}
  | {type: 'run-done'; report: RunReport};

export type Emit = (event: EngineEvent) => void;

export function emptyStats(): HostStats {
  return {ok: 0, changed: 0, failed: 0, skipped: 0, unreachable: 0, rescued: 0, ignored: 0};
}

/** 0 success / no drift; 1 a host failed; 2 drift found in check mode. */
export function exitCodeOf(report: RunReport): number {
  if (report.hosts.some((h) => h.stats.failed > 0 || h.stats.unreachable > 0)) return 1;
  return report.check && report.drift ? 2 : 0;
}
