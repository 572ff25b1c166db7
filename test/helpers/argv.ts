/** The argv of every process on this machine (lab hosts and their containers included), for "no secret in argv" checks. */
import {readdirSync, readFileSync} from 'node:fs';

/** Reads /proc/PID/cmdline of every process again and again until `until` settles; returns every argv seen, space-joined. */
export async function watchArgv(until: Promise<unknown>): Promise<string[]> {
  const seen = new Set<string>();
  let done = false;
  void until.finally(() => (done = true));
  while (!done) {
    for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
      try {
        seen.add(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim());
      } catch {
        // the process ended between readdir and read
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return [...seen];
}
