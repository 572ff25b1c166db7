import {spawn} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import {copyFile, mkdir, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {labNames, type LabNames} from './names.js';
import {run} from './exec.js';
import {netnsExists} from './network.js';
import {addLine, finished, type Timeline} from './timeline.js';
import {PxeError} from '../errors.js';

export interface BootOptions {
  prefix?: string;
  uefi?: boolean;
  secureBoot?: boolean;
  /**
   * UEFI: keep QEMU's iPXE EFI ROM on the NIC, which then takes over the network boot. By default the
   * NIC has no option ROM and OVMF's own PXE boots, as on most real UEFI machines.
   */
  ipxe?: boolean;
  /** UEFI: the firmware's PXE turned off (fw_cfg), so that it boots by UEFI HTTP Boot. */
  httpBoot?: boolean;
  mac?: string;
  /** BIOS client's NIC (and so iPXE ROM): e1000, QEMU's default, or virtio (faster under TCG). UEFI uses virtio. */
  nic?: 'e1000' | 'virtio';
  timeoutSeconds?: number;
  /** RAM of the client (default 512 MB; Debian's installer wants 780 MB or it enters its low-memory mode). */
  memoryMb?: number;
  /** Ends the boot early (e.g. once the installer printed the marker a test waits for). */
  signal?: AbortSignal;
  log?: (line: string) => void;
}

export interface BootResult extends Timeline {
  ok: boolean;
  verdict: string;
  mode: 'bios' | 'uefi' | 'uefi-secure-boot';
  /** Who did the PXE part: iPXE's ROM, or the UEFI firmware's own PXE. */
  pxe: 'ipxe' | 'firmware';
  mac: string;
  seconds: number;
  consoleLog: string;
}

const OVMF = '/usr/share/OVMF';

export function randomMac(): string {
  // 52:54:00 is QEMU's prefix; the rest random, so parallel clients and pxelinux 01-MAC files differ.
  return ['52', '54', '00', ...[...randomBytes(3)].map((b) => b.toString(16).padStart(2, '0'))].join(':');
}

/** How a client runs: `lab boot` follows its console on stdout and ends it at its first reboot; a lab BMC's client lives on. */
export interface ClientMachine {
  /** QEMU's console arguments. */
  console: string[];
  /** A reboot ends QEMU. */
  noReboot: boolean;
  /** A disk image (raw), booted after the network. */
  disk?: string;
}

const FOLLOWED: ClientMachine = {console: ['-serial', 'stdio'], noReboot: true};

export async function qemuArgv(
  o: BootOptions,
  tap: string,
  mac: string,
  dir: string,
  how: ClientMachine = FOLLOWED,
): Promise<string[]> {
  const argv = [
    'qemu-system-x86_64',
    '-accel',
    'tcg',
    '-m',
    String(o.memoryMb ?? 512),
    '-smp',
    '1',
    '-display',
    'none',
    '-vga',
    'none',
    ...how.console,
    '-monitor',
    'none',
    ...(how.noReboot ? ['-no-reboot'] : []),
    '-boot',
    'n',
    ...(how.disk ? ['-drive', `file=${how.disk},format=raw,if=virtio`] : []),
    '-netdev',
    `tap,id=n0,ifname=${tap},script=no,downscript=no`,
  ];
  if (!o.uefi) {
    // SeaBIOS's sercon copies the BIOS text console (its own, iPXE's and pxelinux's) to COM1 (0x3f8).
    const sercon = join(dir, 'sercon-port');
    await writeFile(sercon, Buffer.from([0xf8, 0x03]));
    return [
      ...argv,
      '-fw_cfg',
      `name=etc/sercon-port,file=${sercon}`,
      '-device',
      `${o.nic === 'virtio' ? 'virtio-net-pci' : 'e1000'},netdev=n0,mac=${mac}`,
    ];
  }
  const vars = join(dir, 'OVMF_VARS.fd');
  await copyFile(join(OVMF, o.secureBoot ? 'OVMF_VARS_4M.ms.fd' : 'OVMF_VARS_4M.fd'), vars);
  const code = join(OVMF, o.secureBoot ? 'OVMF_CODE_4M.ms.fd' : 'OVMF_CODE_4M.fd');
  const machine = o.secureBoot
    ? ['-machine', 'q35,smm=on', '-global', 'driver=cfi.pflash01,property=secure,value=on']
    : ['-machine', 'q35'];
  return [
    ...argv,
    ...machine,
    '-drive',
    `if=pflash,format=raw,unit=0,readonly=on,file=${code}`,
    '-drive',
    `if=pflash,format=raw,unit=1,file=${vars}`,
    '-device',
    `virtio-net-pci,netdev=n0,mac=${mac}${o.ipxe ? '' : ',romfile='}`,
    ...(o.httpBoot
      ? [
          '-fw_cfg',
          'name=opt/org.tianocore/IPv4PXESupport,string=n',
          '-fw_cfg',
          'name=opt/org.tianocore/IPv6PXESupport,string=n',
        ]
      : []),
  ];
}

/**
 * Powers on a QEMU PXE client on the lab LAN, follows its serial console into a timeline, and always
 * ends QEMU (at the kickstart marker, a failure, the timeout, the caller's signal, or Ctrl-C) and removes its tap.
 */
export async function bootClient(options: BootOptions = {}): Promise<BootResult> {
  const n = labNames(options.prefix);
  if (!netnsExists(n.lanNetns))
    throw new PxeError('E_LAB', `no lab LAN namespace ${n.lanNetns}`, {hint: 'run `pxeprov lab up` first'});
  const mac = options.mac ?? randomMac();
  const timeoutMs = (options.timeoutSeconds ?? 90) * 1000;
  const mode = !options.uefi ? 'bios' : options.secureBoot ? 'uefi-secure-boot' : 'uefi';
  const tap = await addTap(n);
  const dir = join(n.stateDir, 'clients', tap);
  await mkdir(dir, {recursive: true});
  const consoleLog = join(dir, 'console.log');
  const argv = await qemuArgv(options, tap, mac, dir);
  const timeline: Timeline = {steps: []};
  const lines: string[] = [];
  const started = Date.now();
  const child = spawn('ip', ['netns', 'exec', n.lanNetns, ...argv], {stdio: ['ignore', 'pipe', 'pipe']});
  let interrupted = false;
  const stop = () => {
    interrupted = true;
    child.kill('SIGKILL');
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const outcome = await new Promise<string>((resolve) => {
      const timer = setTimeout(() => resolve(`timed out after ${timeoutMs / 1000} s`), timeoutMs);
      const onAbort = () => {
        clearTimeout(timer);
        resolve('stopped by the caller');
      };
      if (options.signal?.aborted) onAbort();
      options.signal?.addEventListener('abort', onAbort, {once: true});
      let partial = '';
      const onData = (chunk: Buffer) => {
        const at = (Date.now() - started) / 1000;
        const parts = (partial + chunk.toString('latin1')).split('\n');
        partial = parts.pop()!;
        // Firmware redraws lines with \r; a prompt may wait without a newline: look at the partial line too.
        for (const raw of [...parts, partial]) {
          for (const piece of raw.split('\r')) addLine(timeline, piece, at);
        }
        for (const line of parts) {
          lines.push(`[${at.toFixed(1).padStart(5)}] ${line.replace(/\r/g, '')}`);
          options.log?.(line);
        }
        if (finished(timeline)) {
          clearTimeout(timer);
          resolve('finished');
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', (chunk: Buffer) => lines.push(`[qemu] ${chunk.toString().trim()}`));
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve(interrupted ? 'interrupted' : `QEMU exited (${code ?? child.signalCode})`);
      });
    });
    const ok = timeline.ksSha256 !== undefined;
    const verdict = ok
      ? `booted: kickstart fetched (sha256 ${timeline.ksSha256!.slice(0, 12)}…) from test ISO version ${timeline.isoVersion ?? '?'}`
      : `did not boot: ${timeline.failure ?? outcome}; last step ${timeline.steps.at(-1)?.step ?? 'none'}`;
    return {
      ok,
      verdict,
      mode,
      pxe: !options.uefi || options.ipxe ? 'ipxe' : 'firmware',
      mac,
      seconds: (Date.now() - started) / 1000,
      consoleLog,
      ...timeline,
    };
  } finally {
    process.removeListener('SIGINT', stop);
    process.removeListener('SIGTERM', stop);
    if (child.exitCode === null && child.signalCode === null) {
      const closed = new Promise((resolve) => child.once('close', resolve));
      child.kill('SIGKILL');
      await closed;
    }
    await writeFile(consoleLog, `${lines.join('\n')}\n`);
    await run(['ip', '-n', n.lanNetns, 'link', 'delete', tap], {allowFail: true});
  }
}

/** A new tap on the LAN bridge, named prefix-tapK with the first free K. */
async function addTap(n: LabNames): Promise<string> {
  const {stdout} = await run(['ip', '-n', n.lanNetns, '-o', 'link', 'show']);
  for (let k = 0; k < 100; k++) {
    const tap = `${n.tapPrefix}${k}`;
    if (stdout.includes(` ${tap}:`) || stdout.includes(` ${tap}@`)) continue;
    await run(['ip', '-n', n.lanNetns, 'tuntap', 'add', 'dev', tap, 'mode', 'tap']);
    await run(['ip', '-n', n.lanNetns, 'link', 'set', tap, 'master', n.bridge, 'up']);
    return tap;
  }
  throw new PxeError('E_LAB', `no free tap name ${n.tapPrefix}0..99 in ${n.lanNetns}`);
}
