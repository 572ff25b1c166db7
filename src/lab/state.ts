import {existsSync} from 'node:fs';
import {mkdir, readFile, readdir, writeFile} from 'node:fs/promises';
import {dirname} from 'node:path';
import {STATE_ROOT, type LabNames} from './names.js';

/** What `lab up` records so `lab down` and `lab status` know what exists. */
export interface LabState {
  prefix: string;
  kind: 'nspawn' | 'vm';
  /** systemd-nspawn's or QEMU's pid. */
  pid?: number;
  /** /proc/sys/net/ipv4/ip_forward before the first lab turned it on; restored by the last `lab down`. */
  ipForwardBefore?: string;
  createdAt: string;
}

export async function readState(n: LabNames): Promise<LabState | undefined> {
  if (!existsSync(n.statePath)) return undefined;
  return JSON.parse(await readFile(n.statePath, 'utf8')) as LabState;
}

export async function writeState(n: LabNames, state: LabState): Promise<void> {
  await mkdir(dirname(n.statePath), {recursive: true});
  await writeFile(n.statePath, `${JSON.stringify(state, null, 2)}\n`);
}

/** Prefixes of the labs that have a state file (for ip_forward: restore it with the last one). */
export async function labPrefixes(): Promise<string[]> {
  const names = await readdir(STATE_ROOT).catch(() => [] as string[]);
  return names.filter((name) => existsSync(`${STATE_ROOT}/${name}/state.json`));
}

/** True when pid is alive and its command line contains marker (guards against pid reuse). */
export async function processAlive(pid: number | undefined, marker: string): Promise<boolean> {
  if (!pid) return false;
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return cmdline.split('\0').some((arg) => arg.includes(marker));
}
