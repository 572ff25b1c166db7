/**
 * Power through the BMC in the lab (root), its own prefix (pwr): `lab up --bmc` puts two machines on the LAN,
 * node01 (BIOS) and node02 (UEFI), each behind an ipmi_sim BMC whose chassis program starts and stops its
 * QEMU. `pxeprov power` drives them from the PXE server (ipmitool through its agent), the password in no
 * process's argv; a wrong password and a dead BMC fail the host, exit 1; `install --reboot` takes a machine
 * from build mode through its BMC to an installed, called-back host whose next power cycle boots local.
 */
import assert from 'node:assert/strict';
import {existsSync} from 'node:fs';
import {mkdtemp, readFile, rm, stat, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {stringify} from 'yaml';
import {
  bmcPasswordFile,
  chassisLog,
  LAB_MACHINES,
  machineConsole,
  machineDir,
  type LabMachine,
} from '../../src/lab/bmc.js';
import {labDown, labNames, labUp, runInLabHost} from '../../src/lab/index.js';
import type {InstallResult} from '../../src/lifecycle/install.js';
import type {PowerReport} from '../../src/power/power.js';
import {watchArgv} from '../helpers/argv.js';
import {pxeprovAsync, type CliResult} from '../helpers/cli.js';

const PREFIX = 'pwr';
const n = labNames(PREFIX);
const [BIOS, UEFI] = LAB_MACHINES as [LabMachine, LabMachine];

let dir: string;
let inventory: string;

/** The CLI with --json; `vars` (e.g. other dhcp_hosts) win over the lab inventory. */
async function pxeprov(args: string[], vars?: Record<string, unknown>): Promise<CliResult> {
  const extra = vars ? ['-e', `@${join(dir, 'vars.yaml')}`] : [];
  if (vars) await writeFile(join(dir, 'vars.yaml'), stringify(vars));
  return pxeprovAsync([...args, inventory, ...extra, '--json']);
}

async function power(action: string, m: LabMachine): Promise<PowerReport['hosts'][number]> {
  const r = await pxeprov(['power', action, m.name]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  return (r.json as PowerReport).hosts[0]!;
}

/** The pid of the machine's QEMU while it runs. */
async function qemuPid(m: LabMachine): Promise<number | undefined> {
  const file = join(machineDir(n, m), 'qemu.pid');
  if (!existsSync(file)) return undefined;
  const pid = Number(await readFile(file, 'utf8'));
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return cmdline.includes(machineDir(n, m)) ? pid : undefined;
}

async function consoleSize(m: LabMachine): Promise<number> {
  return existsSync(machineConsole(n, m)) ? (await stat(machineConsole(n, m))).size : 0;
}

/** The machine's console from byte `from` on, once `until` shows there (bounded: a stuck machine fails the test). */
async function consoleUntil(m: LabMachine, from: number, until: RegExp, boundS = 300): Promise<string> {
  const deadline = Date.now() + boundS * 1000;
  for (;;) {
    const text = existsSync(machineConsole(n, m))
      ? (await readFile(machineConsole(n, m))).subarray(from).toString('latin1').replace(/\r/g, '')
      : '';
    if (until.test(text)) return text;
    assert.ok(Date.now() < deadline, `${m.name}: no ${until} on its console after ${boundS} s:\n${text.slice(-3000)}`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/** Polls `probe` until it returns a value (bounded: a BMC that never gets there fails the test). */
async function eventually<T>(what: string, probe: () => Promise<T | undefined>, boundS = 30): Promise<T> {
  const deadline = Date.now() + boundS * 1000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    assert.ok(Date.now() < deadline, `${what}: not after ${boundS} s`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** The chassis requests since byte `from`, once `pattern` shows among them (a BMC runs a cycle's power-on later, on its own). */
const chassisRequests = (m: LabMachine, from: number, pattern: RegExp) =>
  eventually(`${m.name}'s BMC: ${pattern}`, async () => {
    const text = (await readFile(chassisLog(n, m), 'utf8')).slice(from);
    return pattern.test(text) ? text : undefined;
  });

async function buildState(m: LabMachine): Promise<string> {
  return (await runInLabHost(`cat /var/lib/pxeprov/hosts/${m.name}`, {prefix: PREFIX})).stdout;
}

describe('lab: power through the BMC', {timeout: 40 * 60_000}, () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pxeprov-power-'));
    inventory = join(dir, 'lab.yaml');
    await labDown({prefix: PREFIX});
    await labUp({prefix: PREFIX, inventory, bmc: true});
    const up = await pxeprov(['up']);
    assert.equal(up.code, 0, up.stderr + up.stdout.slice(0, 4000));
  });

  after(async () => {
    await labDown({prefix: PREFIX});
    await rm(dir, {recursive: true, force: true});
  });

  it('status, on, off and cycle start and stop the machine; the BMC password is in no argv and no output', async () => {
    const password = (await readFile(bmcPasswordFile(n, BIOS), 'utf8')).trim();
    const steps = (async () => {
      assert.equal((await power('status', BIOS)).power, 'off');
      assert.equal(await qemuPid(BIOS), undefined);

      const from = await consoleSize(BIOS);
      assert.equal((await power('on', BIOS)).done, 'powered on');
      const first = await eventually('the BMC started the machine', () => qemuPid(BIOS));
      await consoleUntil(BIOS, from, /PXELINUX|iPXE/);
      assert.equal((await power('status', BIOS)).power, 'on');

      const log = (await readFile(chassisLog(n, BIOS), 'utf8')).length;
      assert.equal((await power('cycle', BIOS)).done, 'power cycled');
      await chassisRequests(BIOS, log, /set power 0\n(.*\n)*.* set power 1\n/);
      await eventually('a new machine process after the cycle', async () => {
        const pid = await qemuPid(BIOS);
        return pid && pid !== first ? pid : undefined;
      });

      assert.equal((await power('off', BIOS)).done, 'powered off');
      await eventually('the machine stopped', async () => ((await qemuPid(BIOS)) === undefined ? true : undefined));
      assert.equal((await power('status', BIOS)).power, 'off');

      assert.equal((await power('cycle', BIOS)).done, 'was off: powered on');
      await eventually('the machine runs again', () => qemuPid(BIOS));
      await power('off', BIOS);
    })();
    const argvs = await watchArgv(steps);
    await steps;
    assert.ok(
      argvs.some((a) => a.startsWith('ipmitool ') && a.includes(`-H ${BIOS.bmcAddress}`)),
      'ipmitool was seen running on the lab host',
    );
    assert.deepEqual(
      argvs.filter((a) => a.includes(password)),
      [],
      'no argv holds the BMC password',
    );
  });

  const badBmcs: [string, Record<string, unknown>, string, RegExp][] = [
    ['a wrong BMC password', {ipmi_password: 'Wrong-Pass-4711'}, 'E_BMC_AUTH', /refused user 'admin'/],
    [
      'a BMC that does not answer',
      {ipmi_address: '192.168.77.243'},
      'E_BMC_UNREACHABLE',
      /192\.168\.77\.243 does not answer/,
    ],
  ];
  for (const [what, change, code, message] of badBmcs) {
    it(`${what}: exit 1 naming the host, the password never shown`, async () => {
      const entries = LAB_MACHINES.map((m) => ({
        name: m.name,
        mac: m.mac,
        profile: 'ks',
        ipmi_address: m.bmcAddress,
        ipmi_user: 'admin',
        ipmi_password: 'Right-Or-Wrong-1',
        ...(m === BIOS ? change : {}),
      }));
      const r = await pxeprov(['power', 'status', BIOS.name, UEFI.name], {dhcp_hosts: entries});
      assert.equal(r.code, 1, r.stdout + r.stderr);
      const [bios, uefi] = (r.json as PowerReport).hosts;
      assert.deepEqual([bios!.host, bios!.ok, bios!.error?.code], [BIOS.name, false, code]);
      assert.match(bios!.error!.message, message);
      assert.equal(uefi!.host, UEFI.name, 'the other host is reported on its own');
      assert.ok(
        !`${r.stdout}${r.stderr}`.includes('Wrong-Pass-4711') && !`${r.stdout}${r.stderr}`.includes('Right-Or-Wrong-1'),
      );
    });
  }

  it('install --reboot with a BMC that does not answer: the host stays in build mode and the output says so', async () => {
    const entries = [
      {
        name: BIOS.name,
        mac: BIOS.mac,
        profile: 'ks',
        ipmi_address: '192.168.77.243',
        ipmi_user: 'admin',
        ipmi_password: 'Dead-Bmc-1',
      },
    ];
    const r = await pxeprov(['install', BIOS.name, '--reboot'], {dhcp_hosts: entries});
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const result = r.json as InstallResult;
    assert.deepEqual(
      result.hosts.map((h) => [h.name, h.state]),
      [[BIOS.name, 'build']],
    );
    assert.equal(result.power?.hosts[0]?.error?.code, 'E_BMC_UNREACHABLE');
    assert.match(await buildState(BIOS), /^state=build\n/);
    const text = await pxeprovAsync(['install', BIOS.name, '--reboot', inventory, '-e', `@${join(dir, 'vars.yaml')}`]);
    assert.equal(text.code, 1);
    assert.match(text.stdout, /node01: its power cycle FAILED, it stays in build mode: E_BMC_UNREACHABLE/);
  });

  it('install --reboot of a host without a BMC is an input error before anything changes', async () => {
    const before = await buildState(UEFI).catch(() => 'absent');
    const r = await pxeprov(['install', UEFI.name, '--reboot'], {
      dhcp_hosts: [{name: UEFI.name, mac: UEFI.mac, profile: 'ks'}],
    });
    assert.equal(r.code, 3, r.stdout + r.stderr);
    assert.equal(await buildState(UEFI).catch(() => 'absent'), before, 'its build state is untouched');
  });

  for (const m of [BIOS, UEFI]) {
    const firmware = m.uefi ? 'UEFI' : 'BIOS';
    it(`${firmware}: install ${m.name} --reboot -> its BMC boots it -> it installs and calls back -> its next power cycle boots local -> hosts shows done`, async (t) => {
      const from = await consoleSize(m);
      const log = existsSync(chassisLog(n, m)) ? (await readFile(chassisLog(n, m), 'utf8')).length : 0;
      const started = Date.now();
      const install = await pxeprov(['install', m.name, '--reboot']);
      assert.equal(install.code, 0, install.stdout + install.stderr);
      const result = install.json as InstallResult;
      assert.deepEqual(
        result.hosts.map((h) => [h.name, h.state]),
        [[m.name, 'build']],
      );
      assert.match(result.power!.hosts[0]!.done!, /^next boot PXE, (was off: powered on|power cycled)$/);
      await chassisRequests(m, log, /set boot pxe\n(.*\n)*.* set power 1\n/);

      const installed = await consoleUntil(m, from, /PXEPROV-KS sha256=|PXEPROV-FAIL/);
      assert.match(
        installed,
        new RegExp(`PXEPROV-KS sha256=\\S+ url=http://192\\.168\\.77\\.1/ks/hosts/${m.name}\\.cfg`),
        installed.slice(-3000),
      );
      let state = await buildState(m);
      for (let i = 0; i < 60 && !/^state=local\n/.test(state); i++) {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        state = await buildState(m);
      }
      assert.match(state, /^state=local\nsince=\S+\ndone=\S+\n$/, 'the server flipped it by itself');
      t.diagnostic(`${firmware}: install --reboot to done: ${((Date.now() - started) / 1000).toFixed(0)} s`);

      const hosts = await pxeprov(['hosts']);
      assert.equal(hosts.code, 0, hosts.stderr);
      const row = (hosts.json as {hosts: {name: string; state: string; at: string}[]}).hosts.find(
        (h) => h.name === m.name,
      )!;
      assert.deepEqual([row.state, row.at], ['done', /^done=(.*)$/m.exec(state)![1]]);

      // The installer ends with a reboot (or the test ISO powers off): either way the next power cycle boots local.
      const again = await consoleSize(m);
      await power('cycle', m);
      // After its menu: iPXE's exit hands back to the BIOS, which finds an empty disk; GRUB exits to OVMF's next boot option.
      const local = m.uefi
        ? /GNU GRUB[\s\S]*BdsDxe: loading Boot\d+ "(UiApp|UEFI PXEv6|UEFI HTTP)/
        : /Boot from the local disk[\s\S]*(Booting from Hard Disk|Booting from local disk|No bootable device)/;
      const second = await consoleUntil(m, again, local);
      assert.doesNotMatch(
        second,
        /PXEPROV-TEST-ISO|Loading \/testos\/vmlinuz|\/testos\/vmlinuz\.\.\./,
        `no installer after the flip:\n${second.slice(-3000)}`,
      );
      await power('off', m);
    });
  }
});
