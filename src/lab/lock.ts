import {spawn} from 'node:child_process';
import {mkdir, readFile, writeFile} from 'node:fs/promises';
import {dirname, join} from 'node:path';
import {CACHE_DIR, STATE_ROOT} from './names.js';
import {PxeError} from '../errors.js';

/** How long a second `lab up` waits for the first: longer than a debootstrap or a VM base build on a busy machine. */
export const LOCK_WAIT_MS = 15 * 60_000;

/** Serializes builds of the shared cache (debootstrap base, VM base, kernel): one builder, the others wait. */
export const CACHE_LOCK = join(CACHE_DIR, '.lock');

/** Serializes `lab up` and `lab down` of one prefix. Beside the state dir, which `lab down` removes. */
export const prefixLock = (prefix: string) => join(STATE_ROOT, `${prefix}.lock`);

/**
 * Runs fn holding an exclusive flock(1) on `path` (Node has no flock): a `flock` child takes the lock and
 * holds it until its stdin closes, so the lock goes with this process however it ends. Waits at most
 * waitMs for a holder, then fails naming it (what the holder wrote into the lock file).
 */
export async function withLock<T>(
  path: string,
  purpose: string,
  fn: () => Promise<T>,
  waitMs = LOCK_WAIT_MS,
): Promise<T> {
  await mkdir(dirname(path), {recursive: true});
  const holder = spawn(
    'flock',
    ['-o', '-w', String(waitMs / 1000), '-E', '75', path, 'sh', '-c', 'echo locked; exec cat >/dev/null'],
    {stdio: ['pipe', 'pipe', 'pipe']},
  );
  const exited = new Promise<number | null>((resolve) => holder.once('close', (code) => resolve(code)));
  const taken = await new Promise<boolean>((resolve, reject) => {
    holder.once('error', (error) =>
      reject(new PxeError('E_LAB', `cannot run flock: ${error.message}`, {hint: 'install util-linux', cause: error})),
    );
    holder.stdout.once('data', () => resolve(true));
    void exited.then(() => resolve(false));
  });
  if (!taken) {
    const code = await exited;
    // Only for the message: an unreadable holder line is named as unknown.
    const by = (await readFile(path, 'utf8').catch(() => '')).trim() || 'an unknown process';
    throw new PxeError(
      'E_LAB',
      code === 75
        ? `${path} is held by ${by}: gave up after ${waitMs / 1000} s`
        : `flock ${path} failed (exit ${code})`,
      {
        expected: `to ${purpose}`,
        hint: code === 75 ? 'wait for that run to finish, or end it (its pid is above)' : undefined,
      },
    );
  }
  try {
    await writeFile(path, `pid ${process.pid} (${purpose}, since ${new Date().toISOString()})\n`);
    return await fn();
  } finally {
    holder.stdin.end();
    await exited;
  }
}
