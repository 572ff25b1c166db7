/**
 * The lab's BMCs (`lab up --bmc`): one OpenIPMI ipmi_sim per client machine, in the LAN namespace on an
 * address of the LAN bridge, where the PXE server reaches it as it would a real BMC (IPMI over LAN, lanplus).
 * ipmi_sim runs its chassis_control program for each chassis request; that program (a sh script written
 * here) starts and stops the machine: a QEMU client with an empty disk, its console appended to a file.
 */
import {spawn} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import {existsSync} from 'node:fs';
import {mkdir, readFile, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {qemuArgv} from './boot.js';
import {run, sleep} from './exec.js';
import type {LabNames} from './names.js';
import {processAlive} from './state.js';
import {PxeError} from '../errors.js';

/** A machine of the lab with a BMC; its dhcp_hosts entry comes from this. */
export interface LabMachine {
  name: string;
  mac: string;
  uefi: boolean;
  /** The BMC's address on the lab LAN (outside the DHCP range). */
  bmcAddress: string;
}

export const LAB_MACHINES: readonly LabMachine[] = [
  {name: 'node01', mac: '52:54:00:77:00:01', uefi: false, bmcAddress: '192.168.77.241'},
  {name: 'node02', mac: '52:54:00:77:00:02', uefi: true, bmcAddress: '192.168.77.242'},
];
export const LAB_BMC_USER = 'admin';
const DISK_SIZE = 64 << 20;

export const bmcRoot = (n: LabNames) => join(n.stateDir, 'bmc');
export const machineDir = (n: LabNames, m: LabMachine) => join(bmcRoot(n), m.name);
/** The BMC password (random, mode 0600); the lab inventory reads it with lookup('password', ...). */
export const bmcPasswordFile = (n: LabNames, m: LabMachine) => join(machineDir(n, m), 'password');
/** Every chassis request ipmi_sim passed on, one per line: "EPOCH get power", "EPOCH set boot pxe"... */
export const chassisLog = (n: LabNames, m: LabMachine) => join(machineDir(n, m), 'chassis.log');
/** The machine's serial console, appended across power cycles. */
export const machineConsole = (n: LabNames, m: LabMachine) => join(machineDir(n, m), 'console.log');

/** Whether `lab up --bmc` made the lab's BMCs (later `lab up`s keep them). */
export const hasBmcs = (n: LabNames) => existsSync(bmcRoot(n));

/** Starts every lab BMC that does not run (idempotent); the machines stay off until a BMC powers them on. */
export async function ensureBmcs(n: LabNames): Promise<void> {
  for (const [k, m] of LAB_MACHINES.entries()) await ensureBmc(n, m, `${n.prefix}-bmc${k}`);
}

async function ensureBmc(n: LabNames, m: LabMachine, tap: string): Promise<void> {
  const dir = machineDir(n, m);
  await mkdir(join(dir, 'state'), {recursive: true, mode: 0o700});
  if (!existsSync(bmcPasswordFile(n, m)))
    await writeFile(bmcPasswordFile(n, m), `${randomBytes(12).toString('base64url')}\n`, {mode: 0o600});
  const password = (await readFile(bmcPasswordFile(n, m), 'utf8')).trim();
  const disk = join(dir, 'disk.img');
  if (!existsSync(disk)) await run(['truncate', '-s', String(DISK_SIZE), disk]);
  const qemu = await qemuArgv({uefi: m.uefi}, tap, m.mac, dir, {
    console: ['-chardev', `file,id=con0,path=${machineConsole(n, m)},append=on`, '-serial', 'chardev:con0'],
    noReboot: false,
    disk,
  });
  await writeFile(
    join(dir, 'chassis'),
    chassisScript(n, dir, tap, [...qemu, '-daemonize', '-pidfile', join(dir, 'qemu.pid')]),
    {mode: 0o700},
  );
  await writeFile(join(dir, 'lan.conf'), lanConf(n, m, password, join(dir, 'chassis')), {mode: 0o600});
  // The BMC is an MC at IPMB 0x20 with no sensors: enough for chassis control.
  await writeFile(
    join(dir, 'bmc.emu'),
    'mc_setbmc 0x20\nmc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02\nmc_enable 0x20\n',
  );
  await run(['ip', '-n', n.lanNetns, 'addr', 'replace', `${m.bmcAddress}/24`, 'dev', n.bridge]);
  const pidFile = join(dir, 'ipmi_sim.pid');
  const pid = existsSync(pidFile) ? Number(await readFile(pidFile, 'utf8')) : undefined;
  if (await processAlive(pid, `${dir}/`)) return;
  const child = spawn(
    'ip',
    [
      'netns',
      'exec',
      n.lanNetns,
      'ipmi_sim',
      '-n',
      '-c',
      join(dir, 'lan.conf'),
      '-f',
      join(dir, 'bmc.emu'),
      '-s',
      join(dir, 'state'),
    ],
    {cwd: dir, detached: true, stdio: 'ignore'},
  );
  child.unref();
  await writeFile(pidFile, String(child.pid));
  await waitForUdp(n, m.bmcAddress, 623, 10_000);
}

/** ipmi_sim binds its LAN address once its configuration and command file are read. */
async function waitForUdp(n: LabNames, address: string, port: number, boundMs: number): Promise<void> {
  const deadline = Date.now() + boundMs;
  while (Date.now() < deadline) {
    const {stdout} = await run(['ip', 'netns', 'exec', n.lanNetns, 'ss', '-Hunl', 'src', `${address}:${port}`], {
      allowFail: true,
    });
    if (stdout.trim()) return;
    await sleep(100);
  }
  throw new PxeError('E_LAB', `the lab BMC did not bind ${address}:${port} in ${boundMs / 1000} s`, {
    hint: 'is openipmi (ipmi_sim) installed? apt-get install openipmi',
  });
}

function lanConf(n: LabNames, m: LabMachine, password: string, chassis: string): string {
  return [
    `name "${n.prefix}-${m.name}"`,
    'set_working_mc 0x20',
    '  startlan 1',
    `    addr ${m.bmcAddress} 623`,
    '    priv_limit admin',
    '    allowed_auths_callback md5',
    '    allowed_auths_user md5',
    '    allowed_auths_operator md5',
    '    allowed_auths_admin md5',
    `    guid ${randomBytes(16).toString('hex')}`,
    '  endlan',
    `  chassis_control "${chassis}"`,
    `  user 2 true "${LAB_BMC_USER}" "${password}" admin 10 md5`,
    '',
  ].join('\n');
}

/** A POSIX sh word: single-quoted. */
const quote = (word: string) => `'${word.replaceAll("'", "'\\''")}'`;

/**
 * ipmi_sim's chassis_control program: `chassis get power` (answers power:0|1), `chassis set power 0|1`,
 * `chassis set reset 1`, `chassis get boot` / `chassis set boot pxe|default|...`. It runs in the LAN namespace.
 * The machine is on while its QEMU runs: a guest that powers off turns it off, a reboot reboots it.
 */
function chassisScript(n: LabNames, dir: string, tap: string, qemu: string[]): string {
  return `#!/bin/sh
dir=${quote(dir)}
command printf '%s %s\\n' "$(date +%s)" "$*" >>"$dir/chassis.log"
running() {
  [ -f "$dir/qemu.pid" ] || return 1
  pid=$(cat "$dir/qemu.pid") && [ -r "/proc/$pid/cmdline" ] && tr '\\0' ' ' <"/proc/$pid/cmdline" | grep -q -F -- "$dir/"
}
start() {
  if ! ip link show ${quote(tap)} >/dev/null 2>&1; then
    ip tuntap add dev ${quote(tap)} mode tap && ip link set ${quote(tap)} master ${quote(n.bridge)} up || return 1
  fi
  ${qemu.map(quote).join(' ')} </dev/null >/dev/null 2>>"$dir/qemu.err"
}
stop() {
  if running; then
    kill "$pid"
    i=0
    while running && [ "$i" -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
    if running; then kill -9 "$pid"; fi
  fi
  rm -f "$dir/qemu.pid"
}
case "$1 \${2-}" in
  'get power') if running; then echo power:1; else echo power:0; fi ;;
  'get boot') if [ -f "$dir/bootdev" ]; then echo "boot:$(cat "$dir/bootdev")"; else echo boot:default; fi ;;
  'set power') if [ "\${3-}" = 1 ]; then running || start; else stop; fi ;;
  'set reset') stop; start ;;
  'set boot') command printf '%s\\n' "\${3-}" >"$dir/bootdev" ;;
  *) echo "unsupported chassis request: $*"; exit 1 ;;
esac
`;
}

/** The dhcp_hosts entries of the lab's machines, each with its BMC; the password read from its file. */
export function labMachineEntries(n: LabNames): Record<string, unknown>[] {
  return LAB_MACHINES.map((m) => ({
    name: m.name,
    mac: m.mac,
    profile: 'ks',
    ipmi_address: m.bmcAddress,
    ipmi_user: LAB_BMC_USER,
    ipmi_password: `{{ lookup('password', '${bmcPasswordFile(n, m)}') }}`,
    ...(m.uefi ? {ipmi_uefi: true} : {}),
  }));
}
