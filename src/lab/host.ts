import {spawn} from 'node:child_process';
import {closeSync, openSync} from 'node:fs';
import {chmod, mkdir, readFile, rm, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import type {LabNames} from './names.js';
import {run, succeeds} from './exec.js';
import {EXIT_BOUND_MS, killSilently, processAlive, processId, waitForExit, type ProcessId} from './state.js';
import {PxeError} from '../errors.js';

export const isMounted = (dir: string) => succeeds(['mountpoint', '-q', dir]);

/** The lab host's root: an overlay of the cached base, so `--fresh` only empties the upper dir. */
export async function mountRoot(n: LabNames, baseDir: string): Promise<void> {
  if (await isMounted(n.rootDir)) return;
  for (const dir of [n.rootDir, n.upperDir, n.workDir]) await mkdir(dir, {recursive: true});
  await run([
    'mount',
    '-t',
    'overlay',
    `${n.prefix}-root`,
    '-o',
    `lowerdir=${baseDir},upperdir=${n.upperDir},workdir=${n.workDir}`,
    n.rootDir,
  ]);
}

export async function unmountRoot(n: LabNames): Promise<void> {
  if (await isMounted(n.rootDir)) await run(['umount', n.rootDir]);
}

/** Throws the host's changes away (the upper layer, a VM's disk); the base stays. */
export async function wipeHost(n: LabNames): Promise<void> {
  await unmountRoot(n);
  for (const path of [n.upperDir, n.workDir, n.vmImage]) await rm(path, {recursive: true, force: true});
}

/** Per-host files: name, DNS, root's authorized key, fresh SSH host keys. */
export async function personalize(n: LabNames): Promise<void> {
  const root = n.rootDir;
  await writeFile(join(root, 'etc/hostname'), `${n.machine}\n`);
  await writeFile(join(root, 'etc/hosts'), `127.0.0.1 localhost\n127.0.1.1 ${n.machine}\n`);
  // The machine's resolvers, reached through the NAT; loopback resolvers would point into the lab host.
  // No resolv.conf: the lab host gets none either (the lab needs no names).
  const resolv = await readFile('/etc/resolv.conf', 'utf8').catch(() => '');
  const servers = resolv.split('\n').filter((l) => /^nameserver\s/.test(l) && !/\s(127\.|::1)/.test(l));
  await writeFile(join(root, 'etc/resolv.conf'), `${servers.join('\n')}\n`);
  await mkdir(join(root, 'root/.ssh'), {recursive: true, mode: 0o700});
  await writeFile(join(root, 'root/.ssh/authorized_keys'), await readFile(`${n.keyFile}.pub`), {mode: 0o600});
  await chmod(join(root, 'root/.ssh'), 0o700);
  if (!(await succeeds(['test', '-e', join(root, 'etc/ssh/ssh_host_ed25519_key')]))) {
    await run(['ssh-keygen', '-A', '-f', root]);
  }
}

/** Starts systemd-nspawn detached (it outlives `lab up`), console to n.consoleLog; returns its pid. */
export async function startNspawn(n: LabNames): Promise<number> {
  const log = openSync(n.consoleLog, 'a');
  const child = spawn(
    'systemd-nspawn',
    [
      '--boot',
      '--register=no',
      '--keep-unit',
      '--capability=CAP_NET_ADMIN',
      `--network-namespace-path=/run/netns/${n.srvNetns}`,
      `--directory=${n.rootDir}`,
      `--machine=${n.machine}`,
      '--resolv-conf=off',
      '--timezone=off',
      '--link-journal=no',
      '--console=read-only',
    ],
    {
      detached: true,
      stdio: ['ignore', log, log],
      // Without a host systemd the API VFS is read-only: `network` makes /proc/sys/net writable (ip, sysctl).
      env: {...process.env, SYSTEMD_NSPAWN_API_VFS_WRITABLE: 'network'},
    },
  );
  closeSync(log);
  child.unref();
  return child.pid!;
}

/**
 * Stops the lab host: SIGTERM (nspawn: a clean shutdown of the container; QEMU: ends the VM, whose disk
 * is disposable), then kills what is left. The host is found by the lab's state dir in its argv, then
 * followed by pid and start time until it has exited: an exiting process loses its argv first, and
 * systemd-nspawn goes on for seconds after that.
 */
export async function stopHost(pid: number | undefined, n: LabNames, graceMs = 8000): Promise<void> {
  if (!(await processAlive(pid, `${n.stateDir}/`))) return;
  const host = await processId(pid!);
  if (!host) return;
  process.kill(pid!, 'SIGTERM');
  if ((await waitForExit([host], graceMs)).length === 0) return;
  // Killing the container's init ends its whole PID namespace; then nspawn itself.
  // The init has ended already: no children left to kill.
  const children = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
  const killed: ProcessId[] = [host];
  for (const child of children.split(/\s+/).filter(Boolean)) {
    const id = await processId(Number(child));
    if (id) killed.push(id);
    killSilently(Number(child));
  }
  killSilently(pid!);
  const left = await waitForExit(killed, EXIT_BOUND_MS);
  if (left.length > 0) {
    throw new PxeError(
      'E_LAB',
      `the lab host ${n.machine} still runs ${EXIT_BOUND_MS / 1000} s after SIGKILL: pid ${left.map((p) => p.pid).join(', ')}`,
      {
        hint: 'a process stuck in the kernel (D state, see ps -o stat): run `lab down` again once it has gone',
      },
    );
  }
}
