import {spawn} from 'node:child_process';
import {existsSync} from 'node:fs';
import {mkdir, readdir, readFile, rename, rm, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {CACHE_DIR, SUITE, type LabNames} from './names.js';
import {run} from './exec.js';
import {BASE_STAMP, ensureBase} from './rootfs.js';
import {CACHE_LOCK, withLock} from './lock.js';

/**
 * `lab up --vm`: the lab host as a QEMU (TCG) VM made from the same debootstrap base, for what a
 * container cannot do (checked here): udev, NetworkManager readying devices, `netplan apply`, nfsd. It
 * boots Debian's kernel with its initramfs; its disk is an ext4 image (`mkfs.ext4 -d`) of the base +
 * the packages below + the per-lab files, made at each fresh start (seconds) from the cached VM base.
 */
export const VM_PACKAGES = [
  'linux-image-amd64',
  'udev',
  'network-manager',
  'netplan.io',
  'ifupdown',
  'nfs-kernel-server',
  'isc-dhcp-client',
];
export const VM_BASE_DIR = join(CACHE_DIR, `vm-${SUITE}`);
const STAMP = '.pxeprov-vm-base';
const IMAGE_SIZE = '6G';

/** The VM's NIC MACs, fixed per prefix: udev .link files name them mgmt0 and pxe0 as in the container. */
export function vmMacs(n: LabNames): {mgmt: string; pxe: string} {
  const octet = n.mgmtHostIp.split('.')[2]!;
  const hex = Number(octet).toString(16).padStart(2, '0');
  return {mgmt: `52:54:01:${hex}:00:01`, pxe: `52:54:01:${hex}:00:02`};
}

/** Builds the VM base once: a copy of the container base with the kernel and the VM-only packages. */
export async function ensureVmBase(log: (line: string) => void): Promise<string> {
  const base = await ensureBase(log);
  // Made from this base with these packages: a new base or package list makes a new VM base.
  const stamp = `${await readFile(join(base, BASE_STAMP), 'utf8')}\n${VM_PACKAGES.join(' ')}`;
  return withLock(CACHE_LOCK, `check or build ${VM_BASE_DIR}`, () => buildVmBase(base, stamp, log));
}

async function buildVmBase(base: string, stamp: string, log: (line: string) => void): Promise<string> {
  if (existsSync(join(VM_BASE_DIR, STAMP)) && (await readFile(join(VM_BASE_DIR, STAMP), 'utf8')) === stamp)
    return VM_BASE_DIR;
  const tmp = `${VM_BASE_DIR}.tmp`;
  await rm(tmp, {recursive: true, force: true});
  log(`building the VM base in ${VM_BASE_DIR} (once, about 2 minutes)`);
  await run(['cp', '-a', '--reflink=auto', base, tmp]);
  // apt in a throw-away container on the host's network; no service may start (policy-rc.d).
  const script = [
    'printf "#!/bin/sh\\nexit 101\\n" > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d',
    'apt-get update -q',
    `DEBIAN_FRONTEND=noninteractive apt-get install -y -q ${VM_PACKAGES.join(' ')}`,
    'rm -f /usr/sbin/policy-rc.d',
    'apt-get clean',
  ].join(' && ');
  await run(
    [
      'systemd-nspawn',
      '--register=no',
      '--keep-unit',
      '--quiet',
      '--resolv-conf=replace-host',
      `--directory=${tmp}`,
      'sh',
      '-c',
      script,
    ],
    {env: {...process.env, SYSTEMD_NSPAWN_API_VFS_WRITABLE: 'network'}},
  );
  await writeFile(join(tmp, 'etc/fstab'), 'LABEL=pxeprov-root / ext4 defaults,errors=remount-ro 0 1\n');
  await writeFile(join(tmp, 'etc/resolv.conf'), '');
  // Management address by systemd-networkd (one .network file, below); NetworkManager leaves mgmt0 alone
  // and makes no automatic DHCP connection, so pxe0 stays as the network role leaves it.
  await mkdir(join(tmp, 'etc/NetworkManager/conf.d'), {recursive: true});
  await writeFile(
    join(tmp, 'etc/NetworkManager/conf.d/90-pxeprov-lab.conf'),
    '[main]\nno-auto-default=*\ndns=none\n\n[keyfile]\nunmanaged-devices=interface-name:mgmt0\n',
  );
  await run([
    'ln',
    '-sf',
    '/lib/systemd/system/systemd-networkd.service',
    join(tmp, 'etc/systemd/system/multi-user.target.wants/systemd-networkd.service'),
  ]);
  await run(['ln', '-sf', '/dev/null', join(tmp, 'etc/systemd/system/systemd-networkd-wait-online.service')]);
  await writeFile(join(tmp, STAMP), stamp);
  await rm(VM_BASE_DIR, {recursive: true, force: true});
  await rename(tmp, VM_BASE_DIR);
  return VM_BASE_DIR;
}

/** Per-lab VM files, written into the lab's overlay before the image is made. */
export async function personalizeVm(n: LabNames): Promise<void> {
  const macs = vmMacs(n);
  const net = join(n.rootDir, 'etc/systemd/network');
  await mkdir(net, {recursive: true});
  await writeFile(
    join(net, '10-pxeprov-mgmt0.link'),
    `[Match]\nMACAddress=${macs.mgmt}\n\n[Link]\nName=${n.mgmtHost}\n`,
  );
  await writeFile(join(net, '10-pxeprov-pxe0.link'), `[Match]\nMACAddress=${macs.pxe}\n\n[Link]\nName=${n.pxeIface}\n`);
  await writeFile(
    join(net, '10-pxeprov-mgmt0.network'),
    `[Match]\nName=${n.mgmtHost}\n\n[Network]\nAddress=${n.mgmtHostIp}/30\nGateway=${n.mgmtRootIp}\nLinkLocalAddressing=no\n`,
  );
  // Slow under TCG and useless here: an ext4 scrub of a throw-away disk, a wait nobody depends on.
  for (const unit of ['e2scrub_reap.service', 'NetworkManager-wait-online.service']) {
    await run(['ln', '-sf', '/dev/null', join(n.rootDir, 'etc/systemd/system', unit)]);
  }
}

/** The VM's disk: an ext4 image of the lab's overlay (sparse: only what is used takes space). */
export async function buildImage(n: LabNames, image: string): Promise<void> {
  await rm(image, {force: true});
  await run(['mkfs.ext4', '-q', '-F', '-L', 'pxeprov-root', '-d', n.rootDir, image, IMAGE_SIZE]);
}

async function bootFiles(): Promise<{kernel: string; initrd: string}> {
  const files = await readdir(join(VM_BASE_DIR, 'boot'));
  const kernel = files.find((f) => f.startsWith('vmlinuz-'));
  const initrd = files.find((f) => f.startsWith('initrd.img-'));
  if (!kernel || !initrd) throw new Error(`no kernel or initramfs in ${VM_BASE_DIR}/boot`);
  return {kernel: join(VM_BASE_DIR, 'boot', kernel), initrd: join(VM_BASE_DIR, 'boot', initrd)};
}

/**
 * In the lab host's namespace the VM's NICs are taps on two bridges, one with mgmt0 (to the root
 * namespace), one with pxe0 (to the LAN): the namespace is the VM's switch, the VM holds the addresses.
 */
export async function ensureVmSwitch(n: LabNames): Promise<void> {
  const ipIn = (...args: string[]) => run(['ip', '-n', n.srvNetns, ...args]);
  const exists = async (name: string) =>
    (await run(['ip', '-n', n.srvNetns, 'link', 'show', name], {allowFail: true})).code === 0;
  for (const [bridge, port, tap] of [
    ['vmbr-mgmt', n.mgmtHost, 'vm-mgmt'],
    ['vmbr-pxe', n.pxeIface, 'vm-pxe'],
  ] as const) {
    if (!(await exists(bridge)))
      await ipIn('link', 'add', bridge, 'type', 'bridge', 'forward_delay', '0', 'stp_state', '0');
    if (!(await exists(tap))) await ipIn('tuntap', 'add', 'dev', tap, 'mode', 'tap');
    await ipIn('link', 'set', port, 'master', bridge, 'up');
    await ipIn('link', 'set', tap, 'master', bridge, 'up');
    await ipIn('link', 'set', bridge, 'up');
  }
}

/** Starts QEMU detached in the lab host's namespace, serial console to n.consoleLog; returns its pid. */
export async function startVm(n: LabNames, image: string): Promise<number> {
  const {kernel, initrd} = await bootFiles();
  const macs = vmMacs(n);
  const child = spawn(
    'ip',
    [
      'netns',
      'exec',
      n.srvNetns,
      'qemu-system-x86_64',
      '-accel',
      'tcg',
      '-machine',
      'q35',
      '-m',
      '1536',
      '-smp',
      '2',
      '-display',
      'none',
      '-vga',
      'none',
      '-monitor',
      'none',
      '-serial',
      `file:${n.consoleLog}`,
      '-kernel',
      kernel,
      '-initrd',
      initrd,
      '-append',
      'root=LABEL=pxeprov-root rw console=ttyS0 quiet',
      '-drive',
      `file=${image},format=raw,if=virtio,cache=unsafe`,
      '-netdev',
      'tap,id=m,ifname=vm-mgmt,script=no,downscript=no',
      '-device',
      `virtio-net-pci,netdev=m,mac=${macs.mgmt},romfile=`,
      '-netdev',
      'tap,id=p,ifname=vm-pxe,script=no,downscript=no',
      '-device',
      `virtio-net-pci,netdev=p,mac=${macs.pxe},romfile=`,
    ],
    {detached: true, stdio: 'ignore'},
  );
  child.unref();
  return child.pid!;
}
