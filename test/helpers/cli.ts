/**
 * Runs bin/pxeprov as a user would (a child process, CI=true so no TTY renderer) and checks every `--json`
 * output against the published schema: the run report (or the errors) of `up`/`check`, the errors of any
 * other command.
 */
import assert from 'node:assert/strict';
import {execFile, spawnSync} from 'node:child_process';
import {readFileSync} from 'node:fs';
import {promisify} from 'node:util';
import {Ajv} from 'ajv';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed, with --json (already checked against the schema). */
  json?: unknown;
}

const reportSchema = JSON.parse(readFileSync(new URL('../../schemas/report.schema.json', import.meta.url), 'utf8')) as {
  $id: string;
};
const ajv = new Ajv({allErrors: true});
ajv.addSchema(reportSchema);
const validateRun = ajv.getSchema(reportSchema.$id)!;
const validateFailure = ajv.compile({$ref: `${reportSchema.$id}#/definitions/failure`});

/** Asserts that a command's --json stdout is what the published schema says; returns it parsed. */
export function assertPublishedJson(args: readonly string[], stdout: string, code: number): unknown {
  const json = JSON.parse(stdout) as unknown;
  const command = args.find((a) => !a.startsWith('-'));
  const check = command === 'up' || command === 'check' ? validateRun : code === 3 ? validateFailure : undefined;
  if (check)
    assert.ok(
      check(json),
      `pxeprov ${args.join(' ')} --json does not match schemas/report.schema.json: ${JSON.stringify(check.errors, null, 2)}`,
    );
  return json;
}

export const BIN = new URL('../../bin/pxeprov', import.meta.url).pathname;
const baseEnv = (env: Record<string, string>) => ({...process.env, CI: 'true', ...env});

function result(args: readonly string[], code: number, stdout: string, stderr: string): CliResult {
  const json = args.includes('--json') && stdout.trim() ? assertPublishedJson(args, stdout, code) : undefined;
  return {code, stdout, stderr, json};
}

export function pxeprov(args: readonly string[], env: Record<string, string> = {}): CliResult {
  const r = spawnSync(BIN, args, {encoding: 'utf8', env: baseEnv(env), maxBuffer: 64 << 20});
  return result(args, r.status ?? -1, r.stdout, r.stderr);
}

const execFileAsync = promisify(execFile);

/** As pxeprov(), without blocking the test process (for long runs). */
export async function pxeprovAsync(args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> {
  try {
    const {stdout, stderr} = await execFileAsync(BIN, args, {env: baseEnv(env), maxBuffer: 64 << 20});
    return result(args, 0, stdout, stderr);
  } catch (error) {
    const e = error as {code: number; stdout: string; stderr: string};
    return result(args, e.code, e.stdout, e.stderr);
  }
}
