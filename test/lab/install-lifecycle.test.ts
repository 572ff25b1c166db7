/**
 * The install lifecycle end to end in the lab (root), its own prefix (ilc): a converged PXE server ->
 * `pxeprov install node01` -> a BIOS client with node01's MAC PXE-boots its profile from its own iPXE script
 * (ipxe/01-<mac>.ipxe, chained from the shared one), fetches its own
 * kickstart and runs its %post --nochroot (the test ISO's initrd does what anaconda does at the end), which
 * calls back -> the server's socket-activated script flips node01's menus -> the next boot goes to the local
 * disk -> `pxeprov hosts` shows done with the time; the same for a UEFI client (node02); `check` exits 0 and
 * `up` changes nothing after the flips.
 */
import assert from 'node:assert/strict';
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {stringify} from 'yaml';
import type {RunReport} from '../../src/engine/events.js';
import {bootClient, labDown, labUp, makeIso, runInLabHost} from '../../src/lab/index.js';
import {cleanLine} from '../../src/lab/timeline.js';
import {pxeprovAsync} from '../helpers/cli.js';

const PREFIX = 'ilc';
const HOSTS = [
  {name: 'node01', mac: '52:54:00:b1:00:01', ip: '192.168.77.61', profile: 'ks'},
  {name: 'node02', mac: '52:54:00:b1:00:02', ip: '192.168.77.62', profiles: ['manual', 'ks'], profile: 'ks'},
];

let dir: string;
let inventory: string;

async function pxeprov(args: string[]): Promise<{code: number; json?: unknown; stderr: string; stdout: string}> {
  const extra = join(dir, 'vars.yaml');
  await writeFile(
    extra,
    stringify({
      media_isos: [{name: 'testos', iso: join(dir, 'testos.iso')}],
      pxe_profiles: [
        {name: 'ks', label: 'Install TestOS (kickstart)', media: 'testos', kind: 'kickstart'},
        {name: 'manual', label: 'Install TestOS', media: 'testos', kind: 'manual'},
      ],
      pxe_menu_timeout: 10,
      network_backend: 'ifupdown',
      dhcp_hosts: HOSTS,
    }),
  );
  const [command, ...rest] = args;
  return pxeprovAsync([command!, ...rest, inventory, '-e', `@${extra}`, '--json']);
}

const changedTasks = (report: RunReport) =>
  report.hosts.flatMap((h) => h.tasks.filter((t) => t.status === 'changed').map((t) => t.task));

/** Boots a client until `until` matches a console line (or the boot ends); the console lines, whether a kernel loaded, the kickstart line. */
async function boot(
  mac: string,
  uefi: boolean,
  until: RegExp,
): Promise<{lines: string[]; kernel: boolean; kickstart?: string; failure?: string}> {
  const lines: string[] = [];
  const stop = new AbortController();
  const result = await bootClient({
    prefix: PREFIX,
    mac,
    uefi,
    timeoutSeconds: 240,
    signal: stop.signal,
    log: (line) => {
      lines.push(line);
      if (until.test(line)) stop.abort();
    },
  });
  // The boot ends at the kickstart marker, often before its line reaches `log`: the timeline has it.
  return {
    lines,
    kernel: result.steps.some((s) => s.step === 'kernel'),
    kickstart: result.steps.find((s) => s.step === 'kickstart')?.line,
    failure: result.failure,
  };
}

async function state(name: string): Promise<string> {
  return (await runInLabHost(`cat /var/lib/pxeprov/hosts/${name}`, {prefix: PREFIX})).stdout;
}

describe('lab: install once, the installer calls back, the next boot is local', {timeout: 40 * 60_000}, () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pxeprov-lifecycle-'));
    inventory = join(dir, 'lab.yaml');
    await labDown({prefix: PREFIX});
    await labUp({prefix: PREFIX, inventory});
    await makeIso(1, join(dir, 'testos.iso'));
    const up = await pxeprov(['up']);
    assert.equal(up.code, 0, up.stderr + up.stdout.slice(0, 4000));
  });

  after(async () => {
    await labDown({prefix: PREFIX});
    await rm(dir, {recursive: true, force: true});
  });

  for (const [host, uefi] of [
    [HOSTS[0]!, false],
    [HOSTS[1]!, true],
  ] as const) {
    const firmware = uefi ? 'UEFI' : 'BIOS';
    it(`${firmware}: install ${host.name} -> it installs its profile and calls back -> its menus flip -> the next boot is local`, async () => {
      const install = await pxeprov(['install', host.name]);
      assert.equal(install.code, 0, install.stderr + install.stdout);
      assert.match(await state(host.name), /^state=build\n/);

      await runInLabHost('truncate -s 0 /var/log/nginx/access.log', {prefix: PREFIX});
      const first = await boot(host.mac, uefi, /PXEPROV-KS sha256=|PXEPROV-FAIL/);
      const console = first.lines.join('\n');
      assert.match(console, /PXEPROV-POST ok/, console.slice(-3000));
      if (!uefi) {
        // BIOS runs iPXE (QEMU's ROM): the shared script chains to this host's own, which loads the kernel.
        const log = (await runInLabHost('cat /var/log/nginx/access.log', {prefix: PREFIX})).stdout;
        const script = `/tftp/ipxe/01-${host.mac.replaceAll(':', '-')}.ipxe`;
        for (const path of ['/tftp/ipxe/boot.ipxe', script, '/tftp/testos/vmlinuz'])
          assert.match(log, new RegExp(`"GET ${path} HTTP/1\\.[01]" 200 `), `${path} in\n${log}`);
      }
      assert.ok(first.kickstart, 'it fetched its kickstart (which one: hosts below, from the access log)');
      const after = await state(host.name);
      assert.match(
        after,
        /^state=local\nsince=\S+\ndone=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n$/,
        'the server flipped it by itself',
      );

      const hosts = await pxeprov(['hosts']);
      assert.equal(hosts.code, 0, hosts.stderr);
      const row = (
        hosts.json as {
          hosts: {
            name: string;
            state: string;
            at: string;
            lastInstallFile?: {path: string};
            lastLease?: {ip: string};
          }[];
        }
      ).hosts.find((h) => h.name === host.name)!;
      assert.deepEqual([row.state, row.at], ['done', /^done=(.*)$/m.exec(after)![1]]);
      assert.equal(row.lastInstallFile?.path, `ks/hosts/${host.name}.cfg`);

      // BIOS: iPXE's exit hands back to the BIOS, which finds no disk; UEFI: GRUB exits to the firmware,
      // which goes on to its next boot option (the setup UI, or the next network boot).
      const local = uefi
        ? /BdsDxe: loading Boot\d+ "(UiApp|UEFI PXEv6|UEFI HTTP)/
        : /Booting from local disk|No bootable device|No more network devices/;
      const second = await boot(host.mac, uefi, local);
      // pxelinux draws with cursor moves in the middle of its words.
      const seen = [...second.lines, second.failure ?? ''].map(cleanLine);
      assert.equal(second.kernel, false, `no installer kernel after the flip:\n${seen.slice(-40).join('\n')}`);
      assert.ok(
        seen.some((l) => local.test(l)),
        seen.slice(-40).join('\n'),
      );
    });
  }

  it('check sees no drift after the flips; up changes nothing', async () => {
    const check = await pxeprov(['check']);
    assert.equal(
      check.code,
      0,
      JSON.stringify(
        (check.json as RunReport | undefined)?.hosts.map((h) =>
          h.tasks.filter((t) => t.status === 'changed').map((t) => t.task),
        ),
      ),
    );
    const up = await pxeprov(['up']);
    assert.deepEqual(changedTasks(up.json as RunReport), []);
  });
});
