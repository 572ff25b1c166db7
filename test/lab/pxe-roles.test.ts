/**
 * The PXE roles' acceptance in the lab (root): a fresh lab host -> `pxeprov up` converges it into a PXE server
 * -> a second `up` changes nothing and touches nothing -> `check` exits 0 -> a hand edit makes `check` exit 2
 * with a unified diff -> BIOS (iPXE's menu), UEFI and UEFI Secure Boot clients boot and fetch their kickstart ->
 * a UEFI HTTP Boot client is sent nowhere by shim/GRUB's server -> with pxe_uefi_loader ipxe a UEFI client boots
 * iPXE's menu, by PXE and by UEFI HTTP Boot; pxelinux under iPXE stays reachable -> a new ISO
 * changes only the media -> clients boot the new version; with pxe_boot_transport tftp they boot over TFTP alone -> bad inputs fail before anything changes ->
 * an office DHCP server on the LAN makes the dhcp role refuse, and proxy mode boots BIOS and UEFI (iPXE) clients beside it. Its own prefix (acc): other labs are left alone.
 */
import assert from 'node:assert/strict';
import {execFile} from 'node:child_process';
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {stringify} from 'yaml';
import type {RunReport} from '../../src/engine/events.js';
import {bootClient, labDown, labNames, labUp, makeIso, runInLabHost} from '../../src/lab/index.js';
import {run} from '../../src/lab/exec.js';
import {probeInNetns} from '../../src/probe/netns.js';
import {pxeprovAsync} from '../helpers/cli.js';

const PREFIX = 'acc';

let dir: string;
let inventory: string;

/** Runs the CLI as a user would; returns its exit code, the --json report and stderr. */
async function pxeprov(
  args: string[],
  vars: Record<string, unknown> = {},
): Promise<{code: number; report?: RunReport; stderr: string; stdout: string}> {
  const extra = join(dir, `vars-${Date.now()}.yaml`);
  await writeFile(extra, stringify({...baseVars(), ...vars}));
  // The helper checks the report against the published schema.
  const {code, json, stderr, stdout} = await pxeprovAsync([...args, inventory, '-e', `@${extra}`, '--json']);
  return {code, report: json && 'hosts' in (json as object) ? (json as RunReport) : undefined, stderr, stdout};
}

function baseVars(): Record<string, unknown> {
  return {
    media_isos: [{name: 'testos', iso: join(dir, 'testos.iso')}],
    pxe_profiles: [
      {name: 'ks', label: 'Install TestOS (kickstart)', media: 'testos', kind: 'kickstart'},
      {name: 'manual', label: 'Install TestOS', media: 'testos', kind: 'manual'},
    ],
    pxe_menu_default: 'ks',
    pxe_menu_timeout: 10,
    ks_root_password: 'lab-Root-Passw0rd',
    network_backend: 'ifupdown',
  };
}

/** Every managed path on the lab host with its inode, mode, size and mtime, and when each service last started. */
async function hostSnapshot(): Promise<string> {
  const dirs =
    '/etc/dhcp /etc/default/isc-dhcp-server /etc/default/tftpd-hpa /etc/nginx /etc/network /etc/exports.d /srv/install /var/lib/tftpboot /var/lib/pxeprov';
  const r = await runInLabHost(
    `find ${dirs} -xdev -printf '%p %i %m %s %T@\\n' 2>/dev/null | sort; systemctl show -p ActiveEnterTimestampMonotonic isc-dhcp-server tftpd-hpa nginx`,
    {prefix: PREFIX},
  );
  return r.stdout;
}

/** The paths clients of the LAN fetched from nginx since the last call (the log is emptied). */
async function httpFetches(): Promise<string[]> {
  const {stdout} = await runInLabHost('cat /var/log/nginx/access.log; truncate -s 0 /var/log/nginx/access.log', {
    prefix: PREFIX,
  });
  return [...stdout.matchAll(/^192\.168\.77\.\d+ .*?"GET (\S+) [^"]*" 200 /gm)].map((m) => m[1]!);
}

const changedTasks = (report: RunReport) =>
  report.hosts.flatMap((h) => h.tasks.filter((t) => t.status === 'changed').map((t) => t.task));

describe('lab: pxeprov turns a bare host into a PXE server', {timeout: 30 * 60_000}, () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pxeprov-acceptance-'));
    inventory = join(dir, 'lab.yaml');
    await labDown({prefix: PREFIX});
    await labUp({prefix: PREFIX, inventory});
    await makeIso(1, join(dir, 'testos.iso'));
  });

  after(async () => {
    await labDown({prefix: PREFIX});
    await rm(dir, {recursive: true, force: true});
  });

  it('up converges a fresh host; a second up changes and touches nothing; check exits 0', async () => {
    const first = await pxeprov(['up']);
    assert.equal(
      first.code,
      0,
      first.stderr +
        JSON.stringify(first.report?.hosts.map((h) => h.error ?? h.tasks.filter((t) => t.status === 'failed'))),
    );
    assert.ok(first.report!.hosts[0]!.stats.changed > 20);
    assert.ok(
      !first.stdout.includes('lab-Root-Passw0rd') && !first.stderr.includes('lab-Root-Passw0rd'),
      'the root password never shows',
    );
    const dhcpRestart = first.report!.hosts[0]!.tasks.find((t) => t.task === 'restart isc-dhcp-server')!;
    assert.deepEqual(
      [dhcpRestart.status, dhcpRestart.summary],
      ['ok', 'not needed: isc-dhcp-server started after the change'],
      'no restart right after the first start',
    );
    assert.equal(
      first.report!.hosts[0]!.tasks.find((t) => t.task === 'restart tftpd-hpa')!.status,
      'changed',
      'tftpd-hpa ran with the old config: restarted',
    );

    const before = await hostSnapshot();
    const second = await pxeprov(['up']);
    assert.equal(second.code, 0);
    assert.deepEqual(changedTasks(second.report!), []);
    assert.equal(await hostSnapshot(), before, 'no write, no mtime change, no restart');

    const check = await pxeprov(['check']);
    assert.equal(check.code, 0, JSON.stringify(changedTasks(check.report!)));
  });

  it('a hand edit is drift: check exits 2 with a unified diff and changes nothing', async () => {
    await runInLabHost("sed -i 's/^TIMEOUT 10$/TIMEOUT 300/' /var/lib/tftpboot/pxelinux.cfg/default", {prefix: PREFIX});
    const before = await hostSnapshot();
    const check = await pxeprov(['check']);
    assert.equal(check.code, 2);
    const task = check.report!.hosts[0]!.tasks.find((t) => t.status === 'changed')!;
    assert.equal(task.task, 'BIOS menu (pxelinux.cfg/default)');
    assert.match(task.diff!, /^-TIMEOUT 300$/m);
    assert.match(task.diff!, /^\+TIMEOUT 10$/m);
    assert.equal(await hostSnapshot(), before);
    const repair = await pxeprov(['up']);
    assert.deepEqual(changedTasks(repair.report!), ['BIOS menu (pxelinux.cfg/default)']);
  });

  it('a host that leaves dhcp_hosts loses its per-host menus and kickstart; the others keep theirs', async () => {
    const host = (n: number) => ({name: `n${n}`, mac: `52:54:00:AA:00:0${n}`, ip: `192.168.77.5${n}`, profile: 'ks'});
    const files = (n: number) => [
      `/var/lib/tftpboot/pxelinux.cfg/01-52-54-00-aa-00-0${n}`,
      `/var/lib/tftpboot/grub/grub.cfg-01-52-54-00-aa-00-0${n}`,
      `/var/lib/tftpboot/ipxe/01-52-54-00-aa-00-0${n}.ipxe`,
      `/srv/install/ks/hosts/n${n}.cfg`,
    ];
    const present = async (paths: string[]) =>
      (
        await runInLabHost(`for f in ${paths.join(' ')}; do [ -e "$f" ] && echo "$f"; done; true`, {prefix: PREFIX})
      ).stdout
        .split('\n')
        .filter(Boolean);
    assert.equal((await pxeprov(['up'], {dhcp_hosts: [host(1), host(2)]})).code, 0);
    assert.deepEqual(await present([...files(1), ...files(2)]), [...files(1), ...files(2)]);

    const check = await pxeprov(['check'], {dhcp_hosts: [host(1)]});
    assert.equal(check.code, 2, 'the stale files are drift');
    const up = await pxeprov(['up'], {dhcp_hosts: [host(1)]});
    assert.equal(up.code, 0);
    const removed = up
      .report!.hosts[0]!.tasks.filter((t) => t.status === 'changed' && / are removed$/.test(t.task))
      .map((t) => `${t.task}: ${t.item}`);
    assert.deepEqual(removed.sort(), [
      'Kickstarts of hosts no longer in dhcp_hosts are removed: n2.cfg',
      'Per-host BIOS menus of hosts no longer in dhcp_hosts are removed: 01-52-54-00-aa-00-02',
      'Per-host UEFI menus of hosts no longer in dhcp_hosts are removed: grub.cfg-01-52-54-00-aa-00-02',
      'Per-host iPXE menus of hosts no longer in dhcp_hosts are removed: 01-52-54-00-aa-00-02.ipxe',
    ]);
    assert.deepEqual(await present([...files(1), ...files(2)]), files(1));
    assert.deepEqual(changedTasks((await pxeprov(['up'], {dhcp_hosts: [host(1)]})).report!), []);

    assert.equal((await pxeprov(['up'])).code, 0);
    assert.deepEqual(await present(files(1)), [], 'no dhcp_hosts: no per-host file');
  });

  it("a BIOS client (QEMU's iPXE ROM, recognised: not chained again) loads the iPXE menu, kernel and initrd over HTTP and fetches its kickstart", async () => {
    await httpFetches();
    const boot = await bootClient({prefix: PREFIX, timeoutSeconds: 150});
    assert.ok(boot.ok, `${boot.verdict}\n${boot.steps.map((s) => `${s.at} ${s.step} ${s.line}`).join('\n')}`);
    assert.equal(boot.isoVersion, 1);
    assert.deepEqual(
      [...new Set(boot.steps.map((s) => s.step))].filter((s) => s !== 'ip'),
      ['firmware', 'dhcp', 'bootfile', 'menu', 'kernel', 'initrd', 'kickstart'],
    );
    assert.match(
      boot.steps.find((s) => s.step === 'bootfile')!.line,
      /^http:\/\/192\.168\.77\.1\/tftp\/ipxe\/boot\.ipxe\.\.\. ok/,
    );
    const fetched = await httpFetches();
    for (const path of ['/tftp/ipxe/boot.ipxe', '/tftp/testos/vmlinuz', '/tftp/testos/initrd.img', '/ks/ks.cfg'])
      assert.ok(fetched.includes(path), `${path} in ${fetched.join(' ')}`);
    assert.ok(!fetched.includes('/tftp/pxelinux.0'), 'iPXE loads kernel and initrd itself');
    assert.ok(!fetched.includes('/tftp/undionly.kpxe'), 'an iPXE client is not handed iPXE');
    const ks = await runInLabHost('sha256sum /srv/install/ks/ks.cfg', {prefix: PREFIX});
    assert.equal(boot.ksSha256, ks.stdout.split(' ')[0]);
  });

  it('a UEFI client (firmware PXE -> shim -> GRUB) boots, kernel and initrd over HTTP; with Secure Boot enforced over TFTP', async () => {
    for (const secureBoot of [false, true]) {
      await httpFetches();
      const boot = await bootClient({prefix: PREFIX, uefi: true, secureBoot, timeoutSeconds: 150});
      assert.ok(boot.ok, `${secureBoot ? 'secure boot: ' : ''}${boot.verdict}`);
      assert.equal(boot.isoVersion, 1);
      // Secure Boot: the signed GRUB may load no module, so not its HTTP client either.
      const fetched = (await httpFetches()).filter((path) => path.startsWith('/tftp/testos/'));
      assert.deepEqual(fetched, secureBoot ? [] : ['/tftp/testos/vmlinuz', '/tftp/testos/initrd.img']);
    }
  });

  it('a UEFI HTTP Boot client gets an address and no boot file from a shim/GRUB server: its firmware gives up on HTTP', async () => {
    await httpFetches();
    const boot = await bootClient({prefix: PREFIX, uefi: true, httpBoot: true, timeoutSeconds: 120});
    assert.ok(!boot.ok);
    assert.match(boot.failure ?? '', /Could not retrieve NBP file size/, boot.verdict);
    assert.ok(!boot.steps.some((s) => s.step === 'menu'), 'never stops in GRUB');
    assert.deepEqual(await httpFetches(), []);
  });

  it('pxe_uefi_loader ipxe: a UEFI client (firmware PXE -> snponly.efi) boots from the iPXE menu over HTTP', async () => {
    const ipxe = await pxeprov(['up'], {pxe_uefi_loader: 'ipxe'});
    assert.equal(ipxe.code, 0, JSON.stringify(ipxe.report?.hosts[0]?.tasks.filter((t) => t.status === 'failed')));
    await httpFetches();
    const boot = await bootClient({prefix: PREFIX, uefi: true, timeoutSeconds: 150});
    assert.ok(boot.ok, `${boot.verdict}\n${boot.steps.map((s) => `${s.at} ${s.step} ${s.line}`).join('\n')}`);
    assert.deepEqual(
      [...new Set(boot.steps.map((s) => s.step))].filter((s) => s !== 'ip'),
      ['firmware', 'dhcp', 'bootfile', 'menu', 'kernel', 'initrd', 'kickstart'],
    );
    assert.match(
      boot.steps.find((s) => s.step === 'kernel')!.line,
      /^http:\/\/192\.168\.77\.1\/tftp\/testos\/vmlinuz\.\.\./,
    );
    const fetched = await httpFetches();
    for (const path of ['/tftp/ipxe/boot.ipxe', '/tftp/testos/vmlinuz', '/tftp/testos/initrd.img', '/ks/ks.cfg'])
      assert.ok(fetched.includes(path), `${path} in ${fetched.join(' ')}`);
    // UEFI HTTP Boot (the firmware's PXE off): snponly.efi itself comes over HTTP, then the same iPXE menu.
    const httpBoot = await bootClient({prefix: PREFIX, uefi: true, httpBoot: true, timeoutSeconds: 150});
    assert.ok(httpBoot.ok, `HTTP Boot: ${httpBoot.verdict}`);
    const overHttp = await httpFetches();
    for (const path of ['/tftp/snponly.efi', '/tftp/ipxe/boot.ipxe', '/tftp/testos/vmlinuz', '/ks/ks.cfg'])
      assert.ok(overHttp.includes(path), `HTTP Boot: ${path} in ${overHttp.join(' ')}`);
    // The probe follows iPXE as these clients do: a second DHCP as iPXE, then the menu and its files.
    const n = labNames(PREFIX);
    for (const arch of ['bios', 'uefi'] as const) {
      const probe = await probeInNetns(n.lanNetns, {iface: n.bridge, arch});
      assert.ok(probe.ok, `${arch}: ${JSON.stringify(probe.steps)}`);
      assert.deepEqual(
        [probe.offers[0]?.file, probe.configMatched, probe.boots?.label, probe.boots?.kernel],
        [
          arch === 'bios' ? 'undionly.kpxe' : 'snponly.efi',
          'http://192.168.77.1/tftp/ipxe/boot.ipxe',
          'ks',
          'http://192.168.77.1/tftp/testos/vmlinuz',
        ],
      );
    }
  });

  it('pxelinux under iPXE stays reachable: dhcp_ipxe_bootfile names pxelinux.0', async () => {
    const pxelinux = await pxeprov(['up'], {dhcp_ipxe_bootfile: 'http://192.168.77.1/tftp/pxelinux.0'});
    assert.equal(
      pxelinux.code,
      0,
      JSON.stringify(pxelinux.report?.hosts[0]?.tasks.filter((t) => t.status === 'failed')),
    );
    await httpFetches();
    const boot = await bootClient({prefix: PREFIX, timeoutSeconds: 150});
    assert.ok(boot.ok, boot.verdict);
    assert.match(boot.steps.find((s) => s.step === 'menu')!.line, /^PXELINUX \d/);
    const fetched = await httpFetches();
    for (const path of ['/tftp/pxelinux.0', '/tftp/testos/vmlinuz', '/tftp/testos/initrd.img'])
      assert.ok(fetched.includes(path), `${path} in ${fetched.join(' ')}`);
    assert.ok(!fetched.includes('/tftp/ipxe/boot.ipxe'));
    assert.equal((await pxeprov(['up'])).code, 0);
  });

  it('pxe_boot_transport tftp: BIOS (pxelinux.0) and UEFI clients load everything over TFTP', async () => {
    const tftp = await pxeprov(['up'], {pxe_boot_transport: 'tftp'});
    assert.equal(tftp.code, 0, JSON.stringify(tftp.report?.hosts[0]?.tasks.filter((t) => t.status === 'failed')));
    await httpFetches();
    for (const uefi of [false, true]) {
      const boot = await bootClient({prefix: PREFIX, uefi, timeoutSeconds: 150});
      assert.ok(boot.ok, `${uefi ? 'UEFI' : 'BIOS'}: ${boot.verdict}`);
      if (!uefi)
        assert.match(
          boot.steps.find((s) => s.step === 'bootfile')!.line,
          /^tftp:\/\/192\.168\.77\.1\/pxelinux\.0\.\.\. ok/,
        );
    }
    assert.deepEqual(
      (await httpFetches()).filter((path) => path.startsWith('/tftp/')),
      [],
      'nothing of the TFTP root over HTTP',
    );
    assert.equal((await pxeprov(['up'])).code, 0);
  });

  it('a new ISO changes only the media (and what depends on it); clients boot the new version', async () => {
    await makeIso(2, join(dir, 'testos.iso'));
    const update = await pxeprov(['up']);
    assert.equal(update.code, 0);
    const changed = changedTasks(update.report!);
    assert.ok(changed.includes('Install trees and boot files from the ISOs'), changed.join(', '));
    assert.deepEqual(
      changed.filter((t) => t !== 'Install trees and boot files from the ISOs'),
      [],
      'nothing else changed',
    );
    const media = update.report!.hosts[0]!.tasks.find((t) => t.status === 'changed')!;
    assert.match(media.summary, /^copy \d+ of \d+ files/);
    const boot = await bootClient({prefix: PREFIX, timeoutSeconds: 150});
    assert.ok(boot.ok, boot.verdict);
    assert.equal(boot.isoVersion, 2);
    const again = await pxeprov(['up']);
    assert.deepEqual(changedTasks(again.report!), []);
  });

  it('bad inputs fail with a clear error before anything on the host changes', async () => {
    const before = await hostSnapshot();
    // What validate can see fails as invalid input (exit 3) before any connection.
    const invalid: [Record<string, unknown>, RegExp][] = [
      [{pxe_subnet: '10.9.0.0/16'}, /pxe_ip 192\.168\.77\.1 is outside pxe_subnet 10\.9\.0\.0\/16/],
      [
        {pxe_dhcp_range_start: '192.168.78.10'},
        /pxe_dhcp_range_start 192\.168\.78\.10 is outside pxe_subnet 192\.168\.77\.0\/24/,
      ],
      [
        {dhcp_hosts: [{name: 'n1', mac: '52:54:00:zz:00:01', ip: '192.168.77.50'}]},
        /MAC '52:54:00:zz:00:01' is malformed/,
      ],
      [{media_isos: [{name: 'testos', iso: join(dir, 'missing.iso')}]}, /missing\.iso does not exist/],
    ];
    for (const [vars, message] of invalid) {
      const result = await pxeprov(['up'], vars);
      assert.equal(result.code, 3, JSON.stringify(vars));
      const errors = (JSON.parse(result.stdout) as {errors: Array<{code: string; message: string}>}).errors;
      assert.ok(
        errors.some((e) => e.code === 'E_VARS' && message.test(e.message)),
        `${JSON.stringify(vars)}: ${errors.map((e) => e.message).join(' | ')}`,
      );
    }
    // What only the ISO's contents tell fails the host, before its first change.
    const cases: [Record<string, unknown>, RegExp][] = [
      [
        {media_isos: [{name: 'testos', iso: join(dir, 'testos.iso'), kernel: 'isolinux/vmlinuz'}]},
        /has no isolinux\/vmlinuz/,
      ],
    ];
    for (const [vars, message] of cases) {
      const result = await pxeprov(['up'], vars);
      assert.equal(result.code, 1, JSON.stringify(vars));
      const failed = result.report!.hosts[0]!.tasks.filter((t) => t.status === 'failed');
      assert.ok(
        failed.some((t) => message.test(t.summary)),
        `${JSON.stringify(vars)}: ${failed.map((t) => t.summary).join(' | ')}`,
      );
      assert.deepEqual(changedTasks(result.report!), [], 'nothing was changed');
    }
    assert.equal(await hostSnapshot(), before);
  });

  it('an office DHCP server on the LAN: server mode refuses and names it; proxy mode boots clients beside it', async () => {
    const n = labNames(PREFIX);
    const office = join(dir, 'udhcpd.conf');
    await writeFile(
      office,
      `interface ${n.bridge}\nstart 192.168.77.220\nend 192.168.77.230\nlease_file ${join(dir, 'udhcpd.leases')}\noption subnet 255.255.255.0\n`,
    );
    await writeFile(join(dir, 'udhcpd.leases'), '');
    await run(['ip', 'netns', 'exec', n.lanNetns, 'ip', 'addr', 'replace', '192.168.77.250/24', 'dev', n.bridge]);
    const server = execFile('ip', ['netns', 'exec', n.lanNetns, 'busybox', 'udhcpd', '-f', office]);
    try {
      // As if pxeprov had never enabled DHCP here: the role looks for other servers first.
      await runInLabHost('sed -i \'s/^INTERFACESv4=.*/INTERFACESv4=""/\' /etc/default/isc-dhcp-server', {
        prefix: PREFIX,
      });
      const refused = await pxeprov(['up']);
      assert.equal(refused.code, 1);
      const failed = refused.report!.hosts[0]!.tasks.find((t) => t.status === 'failed')!;
      assert.equal(failed.task, 'No other DHCP server answers on the PXE interface');
      assert.match(failed.summary, /another DHCP server answers on pxe0: 192\.168\.77\.250/);
      assert.match(failed.error!.hint!, /dhcp_mode: proxy/);

      const proxy = await pxeprov(['up'], {dhcp_mode: 'proxy'});
      assert.equal(proxy.code, 0, JSON.stringify(proxy.report?.hosts[0]?.tasks.filter((t) => t.status === 'failed')));
      assert.ok(changedTasks(proxy.report!).includes('isc-dhcp-server is off unless dhcp_mode is server'));
      await httpFetches();
      const boot = await bootClient({prefix: PREFIX, timeoutSeconds: 150});
      assert.ok(boot.ok, boot.verdict);
      const fetched = await httpFetches();
      assert.ok(
        fetched.includes('/tftp/ipxe/boot.ipxe') && fetched.includes('/tftp/testos/initrd.img'),
        `proxyDHCP sends iPXE to its menu over HTTP too: ${fetched.join(' ')}`,
      );
      const address = boot.steps.find((s) => s.step === 'ip')!.line;
      assert.match(address, /ip=192\.168\.77\.2[23]\d/, 'the address came from the office server');

      // UEFI beside the office server, with pxe_uefi_loader ipxe: snponly.efi from the PXE menu, then iPXE's menu.
      const uefiProxy = await pxeprov(['up'], {dhcp_mode: 'proxy', pxe_uefi_loader: 'ipxe'});
      assert.equal(
        uefiProxy.code,
        0,
        JSON.stringify(uefiProxy.report?.hosts[0]?.tasks.filter((t) => t.status === 'failed')),
      );
      await httpFetches();
      const uefi = await bootClient({prefix: PREFIX, uefi: true, timeoutSeconds: 150});
      assert.ok(uefi.ok, `${uefi.verdict}\n${uefi.steps.map((s) => `${s.at} ${s.step} ${s.line}`).join('\n')}`);
      const uefiFetched = await httpFetches();
      assert.ok(
        uefiFetched.includes('/tftp/ipxe/boot.ipxe') && uefiFetched.includes('/tftp/testos/initrd.img'),
        `UEFI iPXE beside the office server: ${uefiFetched.join(' ')}`,
      );
      assert.match(uefi.steps.find((s) => s.step === 'ip')!.line, /ip=192\.168\.77\.2[23]\d/);
    } finally {
      server.kill();
      await run(['ip', 'netns', 'exec', n.lanNetns, 'ip', 'addr', 'del', '192.168.77.250/24', 'dev', n.bridge], {
        allowFail: true,
      });
    }
    const back = await pxeprov(['up']);
    assert.equal(back.code, 0, JSON.stringify(back.report?.hosts[0]?.tasks.filter((t) => t.status === 'failed')));
    assert.ok(changedTasks(back.report!).includes('isc-dhcp-server listens on the PXE interface only'));
    assert.ok(changedTasks(back.report!).includes('No proxyDHCP unless dhcp_mode is proxy'));
  });
});
