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
  // No state directory: no lab was ever made here.
  // No state root yet: no lab was ever set up. Any other error is one.
  const names = await readdir(STATE_ROOT).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [] as string[];
    throw error;
  });
  return names.filter((name) => existsSync(`${STATE_ROOT}/${name}/state.json`));
}

/** A file of a process's /proc entry; undefined only when there is no entry (the process has ended). */
export async function readProcFile(pid: number | string, name: 'stat' | 'cmdline'): Promise<string | undefined> {
  try {
    return await readFile(`/proc/${pid}/${name}`, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ESRCH') return undefined;
    throw error;
  }
}

/** True when pid is alive and its command line contains marker (guards against pid reuse). */
export async function processAlive(pid: number | undefined, marker: string): Promise<boolean> {
  if (!pid) return false;
  const cmdline = (await readProcFile(pid, 'cmdline')) ?? '';
  return cmdline.split('\0').some((arg) => arg.includes(marker));
}

/** A process as the kernel knows it: pid plus start time, so that a reused pid is not taken for it. */
export interface ProcessId {
  pid: number;
  /** Field 22 of /proc/PID/stat: clock ticks since boot. */
  start: string;
}

/** State (R, S, Z, …) and start time from the text of /proc/PID/stat; the name in () may hold spaces and ')'. */
export function parseProcStat(text: string): {state: string; start: string} {
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return {state: fields[0]!, start: fields[19]!};
}

export async function processId(pid: number): Promise<ProcessId | undefined> {
  const text = await readProcFile(pid, 'stat');
  return text === undefined ? undefined : {pid, start: parseProcStat(text).start};
}

/** True while the process has not exited: a zombie has (it holds nothing but its exit status). */
async function running(id: ProcessId): Promise<boolean> {
  const text = await readProcFile(id.pid, 'stat');
  if (text === undefined) return false;
  const {state, start} = parseProcStat(text);
  return start === id.start && state !== 'Z' && state !== 'X';
}

/** Polls until every process has exited; returns those still running after boundMs (none: all gone). */
export async function waitForExit(ids: ProcessId[], boundMs: number): Promise<ProcessId[]> {
  const deadline = Date.now() + boundMs;
  let left = ids;
  for (;;) {
    const alive = await Promise.all(left.map(running));
    left = left.filter((_, i) => alive[i]);
    if (left.length === 0 || Date.now() >= deadline) return left;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** How long a killed process may take to be gone (exiting processes release mounts and namespaces). */
export const EXIT_BOUND_MS = 20_000;

/** SIGKILL, when the process is still there. */
export function killSilently(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // exited meanwhile: what the caller wants
  }
}
