/**
 * The whole PXE chain in the lab (root; Debian 12 with debootstrap, systemd-container, qemu, ovmf,
 * ipxe-qemu): lab up -> SSH + systemd -> a PXE server on the lab host -> probe -> BIOS and UEFI clients
 * fetch their kickstart -> lab up --fresh is clean -> lab down leaves nothing behind.
 * Its own prefix (pxt), so a developer's lab (pxl) is left alone.
 */
import {after, before, describe, it} from 'node:test';
import assert from 'node:assert/strict';
import {mkdtemp, readFile, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {bootClient, labDown, labStatus, labUp, makeIso, runInLabHost} from '../../src/lab/index.js';
import {run} from '../../src/lab/exec.js';
import {probeInNetns} from '../../src/probe/netns.js';
import {KICKSTART_SHA256, setupTestPxeServer} from './pxe-server.js';

const PREFIX = 'pxt';

/**
 * What this lab could leave behind, as comparable text: only what names the test's prefix, since other
 * labs (a developer's) may come and go meanwhile. Processes: any whose command line names the prefix or
 * whose network namespace is one of its namespaces (`ip netns identify`).
 */
async function footprint(): Promise<Record<string, string[]>> {
  const lines = async (argv: string[]) =>
    (await run(argv, {allowFail: true})).stdout
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
  const ours = (l: string) => l.includes(PREFIX);
  const processes = (await lines(['ps', '-eo', 'pid=,args='])).filter((l) => ours(l) && !l.includes('ps -eo'));
  for (const pid of await lines([
    'sh',
    '-c',
    `for ns in $(ip netns list | awk '/^${PREFIX}-/{print $1}'); do ip netns pids $ns; done`,
  ])) {
    processes.push(`pid ${pid} in a ${PREFIX} namespace`);
  }
  return {
    netns: (await lines(['ip', 'netns', 'list'])).filter(ours),
    links: (await lines(['ip', '-o', 'link', 'show'])).filter(ours),
    mounts: (await lines(['findmnt', '-rn', '-o', 'SOURCE,TARGET'])).filter(ours),
    iptables: [
      ...(await lines(['iptables', '-w', '-S'])),
      ...(await lines(['iptables', '-w', '-t', 'nat', '-S'])),
    ].filter(ours),
    processes,
  };
}

describe('lab: the PXE chain end to end', {timeout: 20 * 60_000}, () => {
  let dir: string;
  let before_: Record<string, string[]>;
  let iso: string;

  before(async () => {
    await labDown({prefix: PREFIX}); // a killed earlier run
    before_ = await footprint();
    dir = await mkdtemp(join(tmpdir(), 'pxeprov-lab-test-'));
    iso = (await makeIso(1, join(dir, 'test-1.iso'))).path;
  });

  after(async () => {
    await labDown({prefix: PREFIX});
    await rm(dir, {recursive: true, force: true});
  });

  it('lab up: the host answers over SSH with systemd as init, and the inventory is written', async () => {
    const up = await labUp({prefix: PREFIX, inventory: join(dir, 'lab.yaml')});
    const r = await runInLabHost('systemctl is-system-running; ps -p 1 -o comm=; ip -br link show pxe0', {
      prefix: PREFIX,
      allowFail: true,
    });
    assert.match(r.stdout, /^(running|degraded)\n systemd\n|^(running|degraded)\nsystemd\n/);
    assert.match(r.stdout, /pxe0@\S+\s+UP/);
    assert.match(await readFile(up.inventory, 'utf8'), new RegExp(`ansible_host: ${up.host.replace(/\./g, '\\.')}`));
    const again = await labUp({prefix: PREFIX, inventory: join(dir, 'lab.yaml')});
    assert.ok(again.seconds < 10, `an idempotent lab up took ${again.seconds} s`);
  });

  it('a PXE server on the lab host (set up by this test) answers the probe, BIOS and UEFI', async () => {
    await setupTestPxeServer(PREFIX, iso);
    const bios = await probeInNetns(`${PREFIX}-lan`, {iface: `${PREFIX}-br`, arch: 'bios'});
    assert.equal(bios.ok, true, JSON.stringify(bios.steps));
    assert.equal(bios.configMatched, 'pxelinux.cfg/default');
    assert.equal(bios.configTried.length, 11);
    const uefi = await probeInNetns(`${PREFIX}-lan`, {iface: `${PREFIX}-br`, arch: 'uefi'});
    assert.equal(uefi.ok, true, JSON.stringify(uefi.steps));
    assert.equal(uefi.offers[0]!.file, 'bootx64.efi');
  });

  it('the probe fails at the step a client would fail at', async () => {
    await runInLabHost('mv /srv/tftp/centos/initrd.img /srv/tftp/centos/initrd.off', {prefix: PREFIX});
    try {
      const r = await probeInNetns(`${PREFIX}-lan`, {iface: `${PREFIX}-br`, arch: 'bios', wait: 2});
      assert.equal(r.ok, false);
      assert.match(r.failedStep!, /^initrd centos\/initrd.img/);
    } finally {
      await runInLabHost('mv /srv/tftp/centos/initrd.off /srv/tftp/centos/initrd.img', {prefix: PREFIX});
    }
  });

  it('a BIOS client (iPXE, pxelinux) boots the test ISO and fetches its kickstart', async () => {
    const r = await bootClient({prefix: PREFIX, timeoutSeconds: 120});
    assert.equal(r.ok, true, `${r.verdict}\n${await readFile(r.consoleLog, 'utf8')}`);
    assert.equal(r.ksSha256, KICKSTART_SHA256);
    assert.equal(r.isoVersion, 1);
    assert.deepEqual(
      r.steps.map((s) => s.step),
      ['firmware', 'dhcp', 'bootfile', 'menu', 'initrd', 'ip', 'kickstart'],
    );
  });

  it('a UEFI client boots too: firmware PXE -> shim -> GRUB, with Secure Boot enforced, and through iPXE', async () => {
    for (const o of [{}, {secureBoot: true}, {ipxe: true}]) {
      const r = await bootClient({prefix: PREFIX, uefi: true, ...o, timeoutSeconds: 120});
      assert.equal(r.ok, true, `${JSON.stringify(o)}: ${r.verdict}\n${await readFile(r.consoleLog, 'utf8')}`);
      assert.equal(r.ksSha256, KICKSTART_SHA256);
      assert.equal(r.pxe, o.ipxe ? 'ipxe' : 'firmware');
      assert.ok(r.steps.some((s) => s.step === 'menu' && /GRUB/.test(s.line)));
    }
  });

  it('after an ISO update (version 2), a BIOS client with a virtio NIC boots the new version', async () => {
    await setupTestPxeServer(PREFIX, (await makeIso(2, join(dir, 'test-2.iso'))).path);
    const r = await bootClient({prefix: PREFIX, nic: 'virtio', timeoutSeconds: 120});
    assert.equal(r.ok, true, `${r.verdict}\n${await readFile(r.consoleLog, 'utf8')}`);
    assert.equal(r.isoVersion, 2);
  });

  it('lab status sees it all; lab up --fresh gives back a clean host quickly', async () => {
    const s = await labStatus({prefix: PREFIX});
    assert.equal(s.host.running && s.host.sshReachable && s.rootMounted, true);
    assert.equal(s.natRules, 3);
    const fresh = await labUp({prefix: PREFIX, fresh: true, inventory: join(dir, 'lab.yaml')});
    assert.ok(fresh.seconds < 20, `lab up --fresh took ${fresh.seconds} s`);
    const r = await runInLabHost(
      'dpkg -s isc-dhcp-server >/dev/null 2>&1 && echo dirty; test -e /srv/tftp && echo dirty; ip -4 -br addr show pxe0',
      {prefix: PREFIX, allowFail: true},
    );
    assert.doesNotMatch(r.stdout, /dirty|192\.168\.77\.1/);
  });

  it('lab down leaves no namespace, link, mount, iptables rule or process behind', async () => {
    await labDown({prefix: PREFIX});
    assert.deepEqual(await footprint(), before_);
  });
});
