import {spawn} from 'node:child_process';
import {existsSync} from 'node:fs';
import {mkdir} from 'node:fs/promises';
import {labNames, type LabNames} from './names.js';
import {run, sleep, type RunResult} from './exec.js';
import {PxeError} from '../errors.js';

/** ssh options for a disposable host whose key changes at every `lab up --fresh`. */
export const SSH_COMMON_ARGS = ['-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null'];

export function sshArgv(n: LabNames, command: string[] = [], batch = true): string[] {
  return [
    'ssh',
    '-i',
    n.keyFile,
    ...SSH_COMMON_ARGS,
    '-o',
    'LogLevel=ERROR',
    '-o',
    `BatchMode=${batch ? 'yes' : 'no'}`,
    '-o',
    'ConnectTimeout=5',
    `root@${n.mgmtHostIp}`,
    ...command,
  ];
}

/** Makes the lab's SSH key once; it survives `lab up --fresh` (the pubkey is installed each time). */
export async function ensureKey(n: LabNames): Promise<void> {
  if (existsSync(n.keyFile)) return;
  await mkdir(n.stateDir, {recursive: true});
  await run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', `pxeprov-lab-${n.prefix}`, '-f', n.keyFile]);
}

/** Runs a shell command line on the lab host as root; throws E_LAB on a non-zero exit unless allowFail. */
export function runInLabHost(
  command: string,
  options: {prefix?: string; input?: string | Buffer; allowFail?: boolean; timeoutMs?: number} = {},
): Promise<RunResult> {
  return run(sshArgv(labNames(options.prefix), [command]), options);
}

/** Waits until sshd answers and systemd reports the boot finished (running or degraded). */
export async function waitForSsh(n: LabNames, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const r = await run(sshArgv(n, ['systemctl is-system-running --wait']), {allowFail: true, timeoutMs: 20_000});
    if (/^(running|degraded)/m.test(r.stdout)) return;
    last = (r.stderr || r.stdout).trim();
    await sleep(300);
  }
  throw new PxeError('E_LAB', `the lab host did not answer over SSH within ${timeoutMs / 1000} s: ${last}`, {
    hint: `its console log is ${n.consoleLog}`,
  });
}

/** `lab ssh`: an interactive or one-shot ssh with the terminal passed through; resolves to its exit code. */
export function sshInteractive(n: LabNames, command: string[]): Promise<number> {
  return new Promise((resolve) => {
    const argv = sshArgv(n, command, false);
    const child = spawn(argv[0]!, argv.slice(1), {stdio: 'inherit'});
    child.on('close', (code) => resolve(code ?? 1));
  });
}
