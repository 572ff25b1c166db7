import {formatError, errorsOf} from '../errors.js';

/**
 * How lab and probe commands end on a failure: the PxeError's human form on stderr (or its JSON on
 * stdout with --json) and its exit code. Anything else is a bug and keeps its stack.
 */
export function reportFailure(error: unknown, json: boolean): void {
  const errors = errorsOf(error);
  if (!errors) throw error;
  if (json) process.stdout.write(`${JSON.stringify({ok: false, errors: errors.map((e) => e.toJSON())}, null, 2)}\n`);
  else for (const e of errors) process.stderr.write(`${formatError(e)}\n`);
  process.exitCode = Math.max(...errors.map((e) => e.exit));
}

/** Progress lines go to stderr; results to stdout. */
export const progress = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}


