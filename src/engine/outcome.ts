/** What a task's outcome shows: an error as the report carries it, and nothing of a no_log task but its place. */
import type {Task} from '../config/model.js';
import {errorsOf} from '../errors.js';
import type {ErrorReport, TaskOutcome} from './events.js';
import type {Redactor} from './redact.js';

export function errorReport(error: unknown, redactor?: Redactor): ErrorReport {
  const known = errorsOf(error);
  if (known) {
    const first = known[0]!;
    const message = known.length > 1 ? known.map((e) => e.message).join('; ') : first.message;
    const at = first.where.file
      ? [first.where.file, first.where.line, first.where.col].filter((p) => p !== undefined).join(':')
      : undefined;
    return {
      code: first.code,
      message: redactor?.text(message) ?? message,
      at,
      hint: redactor?.text(first.hint) ?? first.hint,
      expected: redactor?.text(first.expected) ?? first.expected,
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return {code: 'E_TASK', message: redactor?.text(message) ?? message};
}

const NO_LOG = 'the output has been hidden due to no_log: true';

/**
 * What a no_log task may show: its name, status and place, nothing it rendered, read or ran (summary, diff,
 * loop item, error text). Every outcome of a task goes through here, in every mode and output.
 */
export function shownOutcome(task: Task, outcome: TaskOutcome): TaskOutcome {
  if (!task.noLog) return outcome;
  return {
    ...outcome,
    summary: NO_LOG,
    diff: undefined,
    item: undefined,
    result: undefined,
    error: outcome.error && {code: outcome.error.code, message: NO_LOG},
  };
}
