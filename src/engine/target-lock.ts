/**
 * One run at a time on a target: a second `pxeprov up` against the same host waits for the first (its
 * writes and restarts must not interleave), a bounded time, then fails naming the holder. The lock is a
 * directory under the state dir that the holding agent removes when it ends; one left by a killed run
 * is taken over (its process is gone).
 */
import {hostname, userInfo} from 'node:os';
import {PxeError} from '../errors.js';
import type {Agent} from '../transport/types.js';

export interface TargetLockOptions {
  stateDir: string;
  /** How long to wait for another run to finish. */
  timeoutS: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function holder(): string {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // a uid without a passwd entry (a container): the holder line just says so
  }
  return `pxeprov (pid ${process.pid}) of ${user}@${hostname()} since ${new Date().toISOString()}`;
}

export async function lockTarget(agent: Agent, options: TargetLockOptions): Promise<void> {
  const dir = `${options.stateDir}/run.lock`;
  const me = holder();
  const deadline = Date.now() + options.timeoutS * 1000;
  // The first try goes right behind the mkdir (the agent answers in order): one round trip, not two.
  const made = agent.mkdir(options.stateDir, {parents: true});
  let attempt = agent.lock(dir, me);
  // Marked handled only while the mkdir is awaited first: its failure is the error to report; otherwise the
  // loop below awaits this attempt and its failure propagates.
  attempt.catch(() => undefined);
  await made;
  for (;;) {
    const held = await attempt;
    if (held === undefined) return;
    if (Date.now() >= deadline) {
      const [pid, , ...who] = held.split(' ');
      throw new PxeError(
        'E_LOCKED',
        `${agent.host} is locked by another run: ${who.join(' ')}${pid !== '-' ? ` (agent pid ${pid} on the target)` : ''}`,
        {
          where: {host: agent.host, file: dir},
          hint: `waited ${options.timeoutS} s (pxeprov_lock_timeout); let that run finish, or stop it`,
        },
      );
    }
    await sleep(Math.min(1000, Math.max(0, deadline - Date.now())));
    attempt = agent.lock(dir, me);
  }
}
