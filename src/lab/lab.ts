import {existsSync} from 'node:fs';
import {readFile, rm, unlink, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {labNames, STATE_ROOT, type LabNames} from './names.js';
import {run} from './exec.js';
import {ensureBase} from './rootfs.js';
import {ensureNetwork, netnsExists, readIpForward, removeNetwork, removeSrvNetns, writeIpForward} from './network.js';
import {isMounted, mountRoot, personalize, startNspawn, stopNspawn, unmountRoot, wipeHost} from './host.js';
import {ensureKey, sshArgv, waitForSsh} from './ssh.js';
import {writeInventory} from './inventory.js';
import {labPrefixes, processAlive, readState, writeState} from './state.js';

export interface LabUpOptions {
  prefix?: string;
  /** Throw the host away and start again from the cached base. */
  fresh?: boolean;
  /** Where to write the inventory (default inventory/lab.yaml). */
  inventory?: string;
  log?: (line: string) => void;
}

export interface LabUpResult {
  prefix: string;
  host: string;
  user: 'root';
  keyFile: string;
  inventory: string;
  seconds: number;
  next: string;
}

const IP_FORWARD_SAVED = join(STATE_ROOT, 'ip_forward.before');

/** Builds or repairs the lab (idempotent): network, host root, systemd-nspawn, SSH, inventory. */
export async function labUp(options: LabUpOptions = {}): Promise<LabUpResult> {
  const started = Date.now();
  const log = options.log ?? (() => {});
  const n = labNames(options.prefix);
  const inventory = options.inventory ?? 'inventory/lab.yaml';
  await ensureKey(n);
  const base = await ensureBase(log);
  const state = await readState(n);
  if (options.fresh) {
    log('throwing the lab host away');
    await stopNspawn(state?.pid, n);
    await wipeHost(n);
    // Addresses, routes and sysctls of the host live in its namespace, not its files: start that anew too.
    await removeSrvNetns(n);
  }
  if (!existsSync(IP_FORWARD_SAVED)) await writeFile(IP_FORWARD_SAVED, await readIpForward());
  log('network namespaces, links, bridge, NAT');
  await ensureNetwork(n);
  await mountRoot(n, base);
  let pid = state?.pid;
  if (!(await processAlive(pid, n.rootDir))) {
    await personalize(n);
    log('booting the lab host (systemd-nspawn)');
    pid = await startNspawn(n);
  }
  await writeState(n, {prefix: n.prefix, kind: 'nspawn', pid, createdAt: state?.createdAt ?? new Date().toISOString()});
  await waitForSsh(n);
  await writeInventory(n, inventory);
  return {
    prefix: n.prefix, host: n.mgmtHostIp, user: 'root', keyFile: n.keyFile, inventory,
    seconds: (Date.now() - started) / 1000, next: `pxeprov up ${inventory}`,
  };
}

/** Removes everything the lab made: processes, mounts, namespaces (and their links), NAT rules, state. */
export async function labDown(options: {prefix?: string} = {}): Promise<{prefix: string; removed: boolean}> {
  const n = labNames(options.prefix);
  const state = await readState(n);
  await stopNspawn(state?.pid, n, 3000);
  await unmountRoot(n);
  await removeNetwork(n);
  await rm(n.stateDir, {recursive: true, force: true});
  if ((await labPrefixes()).length === 0 && existsSync(IP_FORWARD_SAVED)) {
    await writeIpForward((await readFile(IP_FORWARD_SAVED, 'utf8')).trim());
    await unlink(IP_FORWARD_SAVED);
  }
  return {prefix: n.prefix, removed: state !== undefined};
}

export interface LabStatus {
  prefix: string;
  exists: boolean;
  kind?: 'nspawn' | 'vm';
  host: {running: boolean; pid?: number; sshReachable: boolean; address: string};
  namespaces: Record<string, boolean>;
  rootMounted: boolean;
  natRules: number;
  keyFile?: string;
}

export async function labStatus(options: {prefix?: string} = {}): Promise<LabStatus> {
  const n = labNames(options.prefix);
  const state = await readState(n);
  const running = await processAlive(state?.pid, state?.kind === 'vm' ? n.stateDir : n.rootDir);
  const ssh = running ? await run(sshArgv(n, ['true']), {allowFail: true, timeoutMs: 8000}) : undefined;
  const rules = await natRuleCount(n);
  return {
    prefix: n.prefix,
    exists: state !== undefined,
    kind: state?.kind,
    host: {running, pid: running ? state?.pid : undefined, sshReachable: ssh?.code === 0, address: n.mgmtHostIp},
    namespaces: {[n.srvNetns]: netnsExists(n.srvNetns), [n.lanNetns]: netnsExists(n.lanNetns)},
    rootMounted: await isMounted(n.rootDir),
    natRules: rules,
    keyFile: existsSync(n.keyFile) ? n.keyFile : undefined,
  };
}

async function natRuleCount(n: LabNames): Promise<number> {
  let count = 0;
  for (const table of ['nat', 'filter']) {
    const {stdout} = await run(['iptables', '-w', '-t', table, '-S'], {allowFail: true});
    count += stdout.split('\n').filter((l) => l.includes(`--comment ${n.iptablesComment}`)).length;
  }
  return count;
}
