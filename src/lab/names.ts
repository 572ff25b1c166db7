import {createHash} from 'node:crypto';
import {join} from 'node:path';
import {PxeError} from '../errors.js';

/** The Debian suite of the lab host, the test ISO's kernel and the QEMU VM. */
export const SUITE = 'bookworm';
export const CACHE_DIR = '/var/cache/pxeprov-lab';
export const STATE_ROOT = '/var/lib/pxeprov-lab';

/** LAN addressing: private to the lab's namespaces, so every lab may use the same numbers. */
export const LAN = {
  subnet: '192.168.77.0/24',
  netmask: '255.255.255.0',
  serverIp: '192.168.77.1',
  probeIp: '192.168.77.250',
  rangeStart: '192.168.77.100',
  rangeEnd: '192.168.77.199',
} as const;

/** Every name and address one lab uses, derived from its prefix. */
export interface LabNames {
  prefix: string;
  /** Network namespace the lab host (nspawn) runs in. */
  srvNetns: string;
  /** Network namespace holding the LAN bridge, the QEMU taps and the probe. */
  lanNetns: string;
  /** Root-namespace end of the management veth. */
  mgmtRoot: string;
  /** Lab-host end of the management veth (inside srvNetns). */
  mgmtHost: string;
  /** Lab-host LAN interface (inside srvNetns), left up without an address for the network role. */
  pxeIface: string;
  /** LAN bridge (inside lanNetns). */
  bridge: string;
  /** Bridge port of the LAN veth (inside lanNetns). */
  lanPort: string;
  /** QEMU tap names are tapPrefix + a number (inside lanNetns). */
  tapPrefix: string;
  /** Comment on every iptables rule of this lab. */
  iptablesComment: string;
  machine: string;
  mgmtSubnet: string;
  mgmtRootIp: string;
  mgmtHostIp: string;
  stateDir: string;
  /** Overlay mount point: the lab host's root directory. */
  rootDir: string;
  upperDir: string;
  workDir: string;
  keyFile: string;
  /** Disk image of `lab up --vm`. */
  vmImage: string;
  statePath: string;
  consoleLog: string;
}

export function validatePrefix(prefix: string): void {
  if (!/^[a-z][a-z0-9]{1,7}$/.test(prefix)) {
    throw new PxeError('E_USAGE', `invalid lab prefix "${prefix}"`, {
      expected: '2 to 8 characters, lower-case letters and digits, starting with a letter',
      hint: 'interface names are at most 15 characters and carry the prefix',
    });
  }
}

/** Management /30 in 10.213.0.0/16, picked by a hash of the prefix so two labs do not collide. */
export function mgmtOctet(prefix: string): number {
  return createHash('sha256').update(prefix).digest()[0]! & 0xfc;
}

export function labNames(prefix = 'pxl'): LabNames {
  validatePrefix(prefix);
  const octet = mgmtOctet(prefix);
  const stateDir = join(STATE_ROOT, prefix);
  return {
    prefix,
    srvNetns: `${prefix}-srv`,
    lanNetns: `${prefix}-lan`,
    mgmtRoot: `${prefix}-mgmt`,
    mgmtHost: 'mgmt0',
    pxeIface: 'pxe0',
    bridge: `${prefix}-br`,
    lanPort: `${prefix}-srvp`,
    tapPrefix: `${prefix}-tap`,
    iptablesComment: `${prefix}-lab`,
    machine: `${prefix}-host`,
    mgmtSubnet: `10.213.${octet}.0/30`,
    mgmtRootIp: `10.213.${octet}.1`,
    mgmtHostIp: `10.213.${octet}.2`,
    stateDir,
    rootDir: join(stateDir, 'root'),
    upperDir: join(stateDir, 'upper'),
    workDir: join(stateDir, 'work'),
    keyFile: join(stateDir, 'id_ed25519'),
    vmImage: join(stateDir, 'vm.img'),
    statePath: join(stateDir, 'state.json'),
    consoleLog: join(stateDir, 'host-console.log'),
  };
}
