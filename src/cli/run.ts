/**
 * How every command ends: the result on stdout (text or --json), errors through formatError on stderr
 * (or as JSON on stdout with --json), and the exit code. A user mistake (a PxeError) never shows a stack
 * trace unless -vvv or PXEPROV_DEBUG=1.
 */
import {Errors, type Command} from '@oclif/core';
import {maskSecrets} from '../config/redact.js';
import {errorsOf, formatError, PxeError} from '../errors.js';
import {didYouMean} from '../config/suggest.js';
import {collapseVerbose, verbosity} from './flags.js';

export interface Output {
  json: boolean;
  verbose: number;
}

export function debugEnabled(verbose: number): boolean {
  return verbose >= 3 || process.env.PXEPROV_DEBUG === '1';
}

/** Parse a command's flags with counted -v. A usage error is printed as E_USAGE (as JSON with --json) and exits 3. */
export async function parseCommand<T extends Command, R extends {flags: {json?: boolean}}>(
  cmd: T,
  parse: (argv: string[]) => Promise<R>,
): Promise<R & {output: Output}> {
  const argv = (cmd as unknown as {argv: string[]}).argv;
  let parsed: R;
  try {
    parsed = await parse(collapseVerbose(argv));
  } catch (e) {
    const usage = usageError(e, (cmd as unknown as {id?: string}).id ?? '');
    if (!usage) throw e;
    printErrors([usage], {json: argv.includes('--json'), verbose: verbosity(argv)});
    Errors.exit(usage.exit);
  }
  return {...parsed, output: {json: Boolean(parsed.flags.json), verbose: verbosity(argv)}};
}

interface ParseFailure {
  message: string;
  flags?: string[];
  parse?: {input?: {flags?: Record<string, {char?: string}>}};
}

/** oclif's parse errors (unknown flag, bad flag value, missing or extra argument) as one E_USAGE error. */
function usageError(error: unknown, commandId: string): PxeError | undefined {
  // Everything oclif's parser throws is about the command line.
  if (!(error instanceof Errors.CLIError)) return undefined;
  const failure = error as unknown as ParseFailure;
  const command = `pxeprov ${commandId.replaceAll(':', ' ')}`.trim();
  const known = Object.keys(failure.parse?.input?.flags ?? {}).map((name) => `--${name}`);
  const near = failure.flags?.length === 1 ? didYouMean(failure.flags[0]!, known) : undefined;
  // oclif colours the reasons of failed validations: keep the words only.
  const message = failure.message
    .replace(/\x1b\[[0-9;]*m/g, '')
    .replace(/\s*See more help with --help\s*$/, '')
    .replace(/^The following errors? occurred:\s*/, '')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .join('; ');
  return new PxeError('E_USAGE', message, {hint: `${near ? `${near} ` : ''}see ${command} --help`});
}

export function printErrors(errors: PxeError[], output: Output): void {
  // A message may quote an input value: decrypted vault values are masked here too.
  if (output.json) {
    process.stdout.write(
      maskSecrets(JSON.stringify({ok: false, errors: errors.map((e) => e.toJSON())}, null, 2)) + '\n',
    );
  } else {
    process.stderr.write(maskSecrets(errors.map(formatError).join('\n')) + '\n');
    if (errors.length > 1) process.stderr.write(`${errors.length} errors\n`);
  }
  if (debugEnabled(output.verbose))
    for (const e of errors)
      process.stderr.write(
        maskSecrets(`${e.stack}\n${e.cause ? `cause: ${(e.cause as Error).stack ?? e.cause}\n` : ''}`),
      );
}

/**
 * Run the core of a command: `print` the result (skipped with --json, which prints it as is), or print the
 * errors and set the exit code they carry (3 for invalid input). Anything else is a bug: one line, plus the
 * stack when debugging.
 */
export async function runAndReport<T>(
  output: Output,
  core: () => Promise<T> | T,
  print: (result: T) => void | Promise<void>,
): Promise<T | undefined> {
  try {
    const result = await core();
    if (output.json) process.stdout.write(maskSecrets(JSON.stringify(result, null, 2)) + '\n');
    else await print(result);
    return result;
  } catch (e) {
    const errors = errorsOf(e);
    if (!errors) {
      process.stderr.write(maskSecrets(`internal error: ${(e as Error)?.message ?? e}\n`));
      process.stderr.write(
        debugEnabled(output.verbose)
          ? maskSecrets(`${(e as Error)?.stack}\n`)
          : 'run again with -vvv or PXEPROV_DEBUG=1 for the stack trace, and report it\n',
      );
      process.exitCode = 1;
      return undefined;
    }
    printErrors(errors, output);
    process.exitCode = Math.max(...errors.map((x) => x.exit));
    return undefined;
  }
}
