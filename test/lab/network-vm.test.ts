/**
 * The network role's three backends and the NFS export, proven where they really work: the lab's VM host
 * (QEMU, real kernel, udev, NetworkManager, netplan, ifupdown, nfsd). Its own prefix (pxn).
 */
import assert from 'node:assert/strict';
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {stringify} from 'yaml';
import {converge} from '../../src/engine/converge.js';
import type {RunReport} from '../../src/engine/events.js';
import {labDown, labUp, runInLabHost} from '../../src/lab/index.js';

const PREFIX = 'pxn';
const ADDRESS = '192.168.77.1/24';
let dir: string;
let inventory: string;
const sh = (command: string) => runInLabHost(command, {prefix: PREFIX, timeoutMs: 180_000});

async function run(roles: string[], vars: Record<string, unknown>, check = false): Promise<RunReport> {
  const playbook = join(dir, 'site.yaml');
  const common = {pxe_prefix: 24, pxe_gateway: '', pxe_dns: [], pxe_install_root: '/srv/install', nfs_enabled: true};
  await writeFile(playbook, stringify([{name: 'network', hosts: 'pxe_servers', vars: {...common, ...vars}, roles}]));
  return converge({inventory, playbook, tags: [], skipTags: [], extraVars: [], forks: 1, check, emit: () => {}});
}

const changed = (report: RunReport) =>
  report.hosts[0]!.tasks.filter((t) => t.status === 'changed').map((t) => t.summary);
const failures = (report: RunReport) =>
  JSON.stringify(report.hosts[0]!.error ?? report.hosts[0]!.tasks.filter((t) => t.status === 'failed'));

/** Undo any backend: no pxeprov file, no NetworkManager profile, no address. */
async function reset(): Promise<void> {
  await sh(
    'rm -f /etc/netplan/60-pxeprov-pxe0.yaml /etc/network/interfaces.d/pxeprov-pxe0 /etc/NetworkManager/conf.d/pxeprov-unmanaged-pxe0.conf; ' +
      'nmcli connection delete pxeprov-pxe0 >/dev/null 2>&1; rm -f /etc/NetworkManager/system-connections/pxeprov-pxe0.nmconnection; ' +
      'netplan apply >/dev/null 2>&1; systemctl reload NetworkManager; ip addr flush dev pxe0; true',
  );
}

describe(
  'lab VM: the network role through netplan, ifupdown and NetworkManager; the NFS export',
  {timeout: 25 * 60_000},
  () => {
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'pxeprov-network-vm-'));
      inventory = join(dir, 'lab.yaml');
      await labDown({prefix: PREFIX});
      await labUp({prefix: PREFIX, vm: true, inventory});
    });

    after(async () => {
      await labDown({prefix: PREFIX});
      await rm(dir, {recursive: true, force: true});
    });

    const cases: [string, string, string][] = [
      ['auto (NetworkManager manages pxe0 here)', 'auto', 'NetworkManager'],
      ['netplan', 'netplan', 'netplan'],
      ['ifupdown (NetworkManager told to leave pxe0 alone)', 'ifupdown', 'ifupdown'],
    ];
    for (const [name, backend, expected] of cases) {
      it(`${name}: configures the address, then changes nothing; a flushed address is drift`, async () => {
        await reset();
        const vars = {network_backend: backend};
        const first = await run(['network'], vars);
        assert.equal(first.hosts[0]!.stats.failed, 0, failures(first));
        assert.match(changed(first)[0]!, new RegExp(`^${expected}: `));
        assert.match((await sh('ip -4 -o addr show dev pxe0')).stdout, /inet 192\.168\.77\.1\/24/);
        const second = await run(['network'], vars);
        assert.deepEqual(changed(second), []);
        await sh('ip addr flush dev pxe0');
        const drift = await run(['network'], vars, true);
        assert.equal(drift.drift, true);
        assert.match(drift.hosts[0]!.tasks[0]!.diff!, /^\+ipv4: 192\.168\.77\.1\/24$/m);
        const repaired = await run(['network'], vars);
        assert.equal(repaired.hosts[0]!.stats.failed, 0, failures(repaired));
        assert.match((await sh('ip -4 -o addr show dev pxe0')).stdout, /inet 192\.168\.77\.1\/24/);
      });
    }

    it('the interface the SSH connection arrives on is refused without network_force', async () => {
      const report = await run(['network'], {
        pxe_iface: 'mgmt0',
        pxe_ip: '10.99.0.1',
        pxe_subnet: '10.99.0.0/24',
        pxe_prefix: 24,
        network_backend: 'ifupdown',
      });
      assert.equal(report.hosts[0]!.stats.failed, 1);
      assert.match(
        report.hosts[0]!.tasks[0]!.summary,
        /refusing to reconfigure mgmt0: the SSH connection to lab arrives on it/,
      );
    });

    it('nfs: the install tree is exported and a client mounts it', async () => {
      await sh('mkdir -p /srv/install/testos && echo marker > /srv/install/testos/.treeinfo');
      const report = await run(['network', 'nfs'], {network_backend: 'ifupdown'});
      assert.equal(report.hosts[0]!.stats.failed, 0, failures(report));
      assert.ok(
        report.hosts[0]!.tasks.every((t) => !t.warning),
        'nfsd is there: no warning',
      );
      const mounted = await sh(
        `mkdir -p /mnt/pxe && mount -t nfs -o ro,vers=4 ${ADDRESS.split('/')[0]}:/srv/install /mnt/pxe && cat /mnt/pxe/testos/.treeinfo; umount /mnt/pxe`,
      );
      assert.equal(mounted.stdout, 'marker\n');
      assert.deepEqual(changed(await run(['network', 'nfs'], {network_backend: 'ifupdown'})), []);
    });
  },
);
