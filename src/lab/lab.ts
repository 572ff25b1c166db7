import {existsSync} from 'node:fs';
import {readFile, rm, unlink, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {labNames, STATE_ROOT, type LabNames} from './names.js';
import {run} from './exec.js';
import {ensureBase} from './rootfs.js';
import {ensureNetwork, netnsExists, readIpForward, removeNetwork, removeSrvNetns, writeIpForward} from './network.js';
import {isMounted, mountRoot, personalize, startNspawn, stopHost, unmountRoot, wipeHost} from './host.js';
import {buildImage, ensureVmBase, ensureVmSwitch, personalizeVm, startVm} from './vm.js';
import {ensureKey, sshArgv, waitForSsh} from './ssh.js';
import {labIso, writeInventory} from './inventory.js';
import {makeIso} from './make-iso.js';
import {labPrefixes, processAlive, readState, writeState} from './state.js';
import {prefixLock, withLock} from './lock.js';
import {ensureBmcs, hasBmcs} from './bmc.js';

export interface LabUpOptions {
  prefix?: string;
  /** Throw the host away and start again from the cached base. */
  fresh?: boolean;
  /** A QEMU VM (udev, NetworkManager, netplan, nfsd work) instead of a systemd-nspawn container. */
  vm?: boolean;
  /** Where to write the inventory (default inventory/lab.yaml). */
  inventory?: string;
  /** Client machines with a BMC each (ipmi_sim) on the LAN, in the inventory's dhcp_hosts; later `lab up`s keep them. */
  bmc?: boolean;
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

/**
 * Builds or repairs the lab (idempotent): network, host root, systemd-nspawn, SSH, inventory. Under the
 * prefix's lock: a second `lab up` or a `lab down` of the same prefix waits for this one.
 */
export async function labUp(options: LabUpOptions = {}): Promise<LabUpResult> {
  const n = labNames(options.prefix);
  return withLock(prefixLock(n.prefix), `lab up --prefix ${n.prefix}`, () => buildLab(n, options));
}

async function buildLab(n: LabNames, options: LabUpOptions): Promise<LabUpResult> {
  const started = Date.now();
  const log = options.log ?? (() => {});
  const inventory = options.inventory ?? 'inventory/lab.yaml';
  const kind = options.vm ? 'vm' : 'nspawn';
  await ensureKey(n);
  const base = options.vm ? await ensureVmBase(log) : await ensureBase(log);
  const state = await readState(n);
  if (options.fresh || (state && state.kind !== kind)) {
    log('throwing the lab host away');
    await stopHost(state?.pid, n);
    await wipeHost(n);
    // Addresses, routes and sysctls of the host live in its namespace, not its files: start that anew too.
    await removeSrvNetns(n);
  }
  if (!existsSync(IP_FORWARD_SAVED)) await writeFile(IP_FORWARD_SAVED, await readIpForward());
  log('network namespaces, links, bridge, NAT');
  await ensureNetwork(n, kind === 'nspawn');
  if (kind === 'vm') await ensureVmSwitch(n);
  let pid = state?.pid;
  if (!(await processAlive(pid, `${n.stateDir}/`)))
    pid = kind === 'vm' ? await bootVm(n, base, log) : await bootContainer(n, base, log);
  await writeState(n, {prefix: n.prefix, kind, pid, createdAt: state?.createdAt ?? new Date().toISOString()});
  await waitForSsh(n, kind === 'vm' ? 240_000 : 60_000);
  if (!existsSync(labIso(n))) {
    log('the test ISO');
    await makeIso(1, labIso(n), log);
  }
  if (options.bmc || hasBmcs(n)) {
    log('lab BMCs (ipmi_sim) and their machines');
    await ensureBmcs(n);
  }
  await writeInventory(n, inventory, kind);
  return {
    prefix: n.prefix,
    host: n.mgmtHostIp,
    user: 'root',
    keyFile: n.keyFile,
    inventory,
    seconds: (Date.now() - started) / 1000,
    next: `pxeprov up ${inventory}`,
  };
}

async function bootContainer(n: LabNames, base: string, log: (line: string) => void): Promise<number> {
  await mountRoot(n, base);
  await personalize(n);
  log('booting the lab host (systemd-nspawn)');
  return startNspawn(n);
}

/** The VM's disk is made once per fresh host from the overlay, which is then unmounted. */
async function bootVm(n: LabNames, base: string, log: (line: string) => void): Promise<number> {
  if (!existsSync(n.vmImage)) {
    await mountRoot(n, base);
    await personalize(n);
    await personalizeVm(n);
    log(`making the VM disk ${n.vmImage}`);
    await buildImage(n, n.vmImage);
    await unmountRoot(n);
  }
  log('booting the lab host (QEMU VM, TCG: about 40 s)');
  return startVm(n, n.vmImage);
}

/**
 * Removes everything the lab made: processes, mounts, namespaces (and their links), NAT rules, state.
 * Returns once every process of the lab has exited, not when it was told to.
 */
export async function labDown(options: {prefix?: string} = {}): Promise<{prefix: string; removed: boolean}> {
  const n = labNames(options.prefix);
  return withLock(prefixLock(n.prefix), `lab down --prefix ${n.prefix}`, () => removeLab(n));
}

async function removeLab(n: LabNames): Promise<{prefix: string; removed: boolean}> {
  const state = await readState(n);
  await stopHost(state?.pid, n, 3000);
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
  const running = await processAlive(state?.pid, `${n.stateDir}/`);
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
