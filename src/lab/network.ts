import {existsSync} from 'node:fs';
import {readFile, writeFile} from 'node:fs/promises';
import {LAN, type LabNames} from './names.js';
import {run, succeeds} from './exec.js';
import {PxeError} from '../errors.js';
import {ensureRouterAdvertiser} from './router-adv.js';
import {EXIT_BOUND_MS, killSilently, processId, waitForExit, type ProcessId} from './state.js';

/*
 * Layout (names for prefix pxl):
 *
 *   root ns                 pxl-srv (lab host, nspawn)          pxl-lan (clients)
 *   pxl-mgmt 10.213.N.1/30 ─ mgmt0 10.213.N.2/30
 *                             pxe0 (up, no address) ────────── pxl-srvp ─┐
 *                                                               pxl-br 192.168.77.250/24 (bridge; the probe)
 *                                                               pxl-tapK ─┘ (one per QEMU client)
 *                                                               + an IPv6 RA responder (router-adv.ts)
 *
 * The only way out is MASQUERADE of the management /30, for the lab host's apt.
 */

const ip = (...args: string[]) => run(['ip', ...args]);
const ipIn = (netns: string, ...args: string[]) => run(['ip', '-n', netns, ...args]);
const linkExists = (netns: string | undefined, name: string) =>
  succeeds(netns ? ['ip', '-n', netns, 'link', 'show', name] : ['ip', 'link', 'show', name]);

export const netnsExists = (name: string) => existsSync(`/run/netns/${name}`);

/**
 * Creates (idempotently) both namespaces, the management and LAN links, the bridge and NAT. With
 * hostAddress (the container) the lab host's end of the management link gets its address here; a VM
 * holds it itself (vm.ts).
 */
export async function ensureNetwork(n: LabNames, hostAddress = true): Promise<void> {
  await checkMgmtSubnetFree(n);
  for (const ns of [n.srvNetns, n.lanNetns]) {
    if (!netnsExists(ns)) await ip('netns', 'add', ns);
    await ipIn(ns, 'link', 'set', 'lo', 'up');
  }
  if (!(await linkExists(undefined, n.mgmtRoot))) {
    await ip('link', 'add', n.mgmtRoot, 'type', 'veth', 'peer', 'name', n.mgmtHost, 'netns', n.srvNetns);
  }
  await ip('addr', 'replace', `${n.mgmtRootIp}/30`, 'dev', n.mgmtRoot);
  await ip('link', 'set', n.mgmtRoot, 'up');
  await ipIn(n.srvNetns, 'link', 'set', n.mgmtHost, 'up');
  if (hostAddress) {
    await ipIn(n.srvNetns, 'addr', 'replace', `${n.mgmtHostIp}/30`, 'dev', n.mgmtHost);
    await ipIn(n.srvNetns, 'route', 'replace', 'default', 'via', n.mgmtRootIp);
  }

  if (!(await linkExists(n.lanNetns, n.bridge))) {
    // forward_delay 0: a new tap forwards at once, or the client's first DHCPDISCOVERs are lost.
    await ipIn(n.lanNetns, 'link', 'add', n.bridge, 'type', 'bridge', 'forward_delay', '0', 'stp_state', '0');
  }
  await ipIn(n.lanNetns, 'addr', 'replace', `${LAN.probeIp}/24`, 'dev', n.bridge);
  await ipIn(n.lanNetns, 'link', 'set', n.bridge, 'up');
  // The probe sends to 255.255.255.255: route it out of the bridge, the namespace's only LAN.
  await ipIn(n.lanNetns, 'route', 'replace', '255.255.255.255/32', 'dev', n.bridge);
  if (!(await linkExists(n.srvNetns, n.pxeIface))) {
    await ipIn(n.srvNetns, 'link', 'add', n.pxeIface, 'type', 'veth', 'peer', 'name', n.lanPort, 'netns', n.lanNetns);
  }
  await ipIn(n.lanNetns, 'link', 'set', n.lanPort, 'master', n.bridge, 'up');
  await ipIn(n.srvNetns, 'link', 'set', n.pxeIface, 'up');
  await ensureRouterAdvertiser(n);
  await ensureNat(n);
}

/** The management /30 comes from a hash of the prefix: refuse one that another link already uses. */
async function checkMgmtSubnetFree(n: LabNames): Promise<void> {
  const {stdout} = await run(['ip', '-4', '-o', 'addr', 'show']);
  const net = n.mgmtSubnet.split('.').slice(0, 3).join('.');
  for (const line of stdout.split('\n')) {
    const m = /^\d+:\s+(\S+)\s+inet\s+(\d+\.\d+\.\d+)\.(\d+)\//.exec(line);
    if (m && m[1] !== n.mgmtRoot && m[2] === net && Number(m[3]) >> 2 === Number(n.mgmtRootIp.split('.')[3]) >> 2) {
      throw new PxeError(
        'E_LAB',
        `the management subnet ${n.mgmtSubnet} of lab ${n.prefix} is already used by ${m[1]}`,
        {
          hint: 'choose another --prefix (the subnet is derived from it)',
        },
      );
    }
  }
}

/** iptables rules of this lab, each tagged with its comment; `-A` specs, for -C/-D. */
function natRules(n: LabNames): string[][] {
  const tag = ['-m', 'comment', '--comment', n.iptablesComment];
  return [
    ['-t', 'nat', '-A', 'POSTROUTING', '-s', n.mgmtSubnet, '!', '-o', n.mgmtRoot, '-j', 'MASQUERADE', ...tag],
    ['-A', 'FORWARD', '-i', n.mgmtRoot, '-j', 'ACCEPT', ...tag],
    ['-A', 'FORWARD', '-o', n.mgmtRoot, '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'ACCEPT', ...tag],
  ];
}

async function ensureNat(n: LabNames): Promise<void> {
  for (const rule of natRules(n)) {
    const check = rule.map((a) => (a === '-A' ? '-C' : a));
    if (!(await succeeds(['iptables', '-w', ...check]))) await run(['iptables', '-w', ...rule]);
  }
  await writeFile('/proc/sys/net/ipv4/ip_forward', '1\n');
}

/** Deletes every iptables rule carrying this lab's comment (also ones an older run left). */
export async function removeNat(n: LabNames): Promise<void> {
  for (const table of ['nat', 'filter']) {
    const {stdout} = await run(['iptables', '-w', '-t', table, '-S']);
    for (const line of stdout.split('\n')) {
      if (!line.startsWith('-A ') || !line.includes(`--comment ${n.iptablesComment}`)) continue;
      const args = splitRule(line.replace(/^-A /, '-D '));
      await run(['iptables', '-w', '-t', table, ...args], {allowFail: true});
    }
  }
}

/** Splits an `iptables -S` line, honouring its double quotes. */
export function splitRule(line: string): string[] {
  const args: string[] = [];
  for (const m of line.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)) args.push(m[1] ?? m[2]!);
  return args;
}

/**
 * Kills what still runs in a namespace (QEMU clients, the RA responder, a container), waits until it has
 * exited, then deletes the namespace (its links, and their veth peers, go with it).
 */
async function removeNetns(ns: string): Promise<void> {
  if (!netnsExists(ns)) return;
  const {stdout} = await run(['ip', 'netns', 'pids', ns], {allowFail: true});
  const killed: ProcessId[] = [];
  for (const pid of stdout.split(/\s+/).filter(Boolean).map(Number)) {
    const id = await processId(pid);
    if (id) killed.push(id);
    killSilently(pid);
  }
  const left = await waitForExit(killed, EXIT_BOUND_MS);
  if (left.length > 0) {
    throw new PxeError(
      'E_LAB',
      `processes in ${ns} still run ${EXIT_BOUND_MS / 1000} s after SIGKILL: pid ${left.map((p) => p.pid).join(', ')}`,
      {
        hint: 'a process stuck in the kernel (D state, see ps -o stat): run `lab down` again once it has gone',
      },
    );
  }
  await ip('netns', 'delete', ns);
}

/** The lab host's namespace only (for --fresh): its veths' peers, pxl-mgmt and pxl-srvp, go too. */
export async function removeSrvNetns(n: LabNames): Promise<void> {
  await removeNetns(n.srvNetns);
}

export async function removeNetwork(n: LabNames): Promise<void> {
  await removeNetns(n.lanNetns);
  await removeNetns(n.srvNetns);
  // Deleting the namespace takes the veth peer with it, asynchronously: this may find it gone already.
  await run(['ip', 'link', 'delete', n.mgmtRoot], {allowFail: true});
  await removeNat(n);
}

export async function readIpForward(): Promise<string> {
  return (await readFile('/proc/sys/net/ipv4/ip_forward', 'utf8')).trim();
}

export async function writeIpForward(value: string): Promise<void> {
  await writeFile('/proc/sys/net/ipv4/ip_forward', `${value}\n`);
}
