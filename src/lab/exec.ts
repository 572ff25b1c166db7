import {spawn, type SpawnOptions} from 'node:child_process';
import {PxeError} from '../errors.js';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Bytes fed to stdin. */
  input?: string | Buffer;
  /** Resolve with the result instead of throwing when the exit code is not 0. */
  allowFail?: boolean;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs?: number;
}

/** Runs argv (never a shell string) and collects its output; a failure is an E_LAB PxeError. */
export function run(argv: string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const spawnOptions: SpawnOptions = {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    };
    const child = spawn(argv[0]!, argv.slice(1), spawnOptions);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    const timer = options.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), options.timeoutMs) : undefined;
    child.on('error', (error) => {
      if (timer) clearTimeout(timer);
      reject(
        new PxeError('E_LAB', `cannot run ${argv[0]}: ${error.message}`, {
          hint: `install the package that provides ${argv[0]}`,
          cause: error,
        }),
      );
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      const result = {code: code ?? 128, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString()};
      if (result.code === 0 || options.allowFail) return resolve(result);
      const why = signal ? `killed by ${signal}` : `exit ${result.code}`;
      reject(new PxeError('E_LAB', `${argv.join(' ')} failed (${why}): ${lastLines(result.stderr || result.stdout)}`));
    });
    child.stdin!.on('error', () => {});
    child.stdin!.end(options.input ?? '');
  });
}

/** True when the command exits 0. */
export async function succeeds(argv: string[]): Promise<boolean> {
  return (await run(argv, {allowFail: true})).code === 0;
}

function lastLines(text: string, n = 6): string {
  return text.trim().split('\n').slice(-n).join('\n');
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
