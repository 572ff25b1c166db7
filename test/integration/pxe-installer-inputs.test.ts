/**
 * The common role's checks of what installers need, against a real sshd on 127.0.0.1: each bad input fails
 * the host at its check, with a message that says what to set, before any change (the role's package
 * task, which would come next, never runs).
 */
import assert from 'node:assert/strict';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {stringify} from 'yaml';
import {converge} from '../../src/engine/converge.js';
import {exitCodeOf} from '../../src/engine/events.js';
import {startSshd, type TestSshd} from '../helpers/sshd.js';

let sshd: TestSshd;
let dir: string;

const base = {
  pxe_iface: 'lo',
  pxe_ip: '192.168.1.20',
  pxe_subnet: '192.168.1.0/24',
  media_isos: [
    {name: 'debian12', netboot_package: 'debian-installer-12-netboot-amd64'},
    {name: 'noble', iso: 'noble.iso'},
  ],
};

// pxe_gateway's own checks run earlier, in validate (the bad-input corpus).
const cases: [string, Record<string, unknown>, string, RegExp][] = [
  [
    'autoinstall without NFS',
    {nfs_enabled: false, pxe_profiles: [{name: 'noble', media: 'noble', kind: 'autoinstall'}]},
    'Autoinstall profiles boot the live installer from the ISO tree over NFS',
    /profile noble \(autoinstall\).*set nfs_enabled: true/,
  ],
  [
    'a kickstart on a netboot package (no tree to install from)',
    {pxe_profiles: [{name: 'ks', media: 'debian12'}]},
    "Kickstart and autoinstall profiles install from an ISO's tree",
    /profile ks \(kickstart\): media debian12 is a netboot installer with no install tree/,
  ],
  [
    'a preseed on a netboot package without a mirror',
    {pxe_profiles: [{name: 'bookworm', media: 'debian12', kind: 'preseed'}]},
    'Preseed profiles on a netboot installer name a Debian mirror',
    /profile bookworm: media debian12 is a netboot installer.*set preseed_mirror_host/,
  ],
];

before(async () => {
  sshd = await startSshd();
  dir = mkdtempSync(join(tmpdir(), 'pxeprov-installer-inputs-'));
  process.env.PXEPROV_SSH_CONFIG = join(sshd.dir, 'ssh_config');
  writeFileSync(
    join(dir, 'site.yaml'),
    stringify([{name: 'PXE', hosts: 'pxe', roles: ['common', 'syslinux', 'kickstart', 'dhcp']}]),
  );
});

after(async () => {
  await sshd?.stop();
  rmSync(dir, {recursive: true, force: true});
});

describe('PXE roles: what installers need is checked before any change', {concurrency: false}, () => {
  for (const [what, vars, task, message] of cases) {
    it(what, async () => {
      const host = {
        ansible_host: '127.0.0.1',
        ansible_port: sshd.port,
        ansible_user: 'root',
        ansible_ssh_private_key_file: sshd.keys.ed25519,
        pxeprov_known_hosts: sshd.knownHosts,
        pxeprov_state_dir: join(dir, 'state'),
        ...base,
        ...vars,
      };
      writeFileSync(join(dir, 'inventory.yaml'), stringify({all: {children: {pxe: {hosts: {pxe1: host}}}}}));
      // --tags always: only the checks run, so a case whose check wrongly passes changes nothing here either.
      const report = await converge({
        inventory: join(dir, 'inventory.yaml'),
        playbook: join(dir, 'site.yaml'),
        tags: ['always'],
        skipTags: [],
        extraVars: [],
        forks: 1,
        check: false,
        emit: () => {},
      });
      assert.equal(exitCodeOf(report), 1, JSON.stringify(report.hosts[0]!.tasks.map((t) => [t.task, t.status])));
      const failed = report.hosts[0]!.tasks.filter((t) => t.status === 'failed');
      assert.deepEqual(
        failed.map((t) => t.task),
        [task],
      );
      assert.match(failed[0]!.summary, message);
      assert.equal(report.hosts[0]!.stats.changed, 0);
    });
  }

  it('the same inputs done right pass every check', async () => {
    const good = {
      ...base,
      pxe_gateway: '192.168.1.1',
      preseed_mirror_host: '192.168.1.30',
      pxe_profiles: [
        {name: 'bookworm', media: 'debian12', kind: 'preseed'},
        {name: 'rescue', media: 'debian12', kind: 'manual'},
        {name: 'noble', media: 'noble', kind: 'autoinstall'},
      ],
    };
    const host = {
      ansible_host: '127.0.0.1',
      ansible_port: sshd.port,
      ansible_user: 'root',
      ansible_ssh_private_key_file: sshd.keys.ed25519,
      pxeprov_known_hosts: sshd.knownHosts,
      pxeprov_state_dir: join(dir, 'state'),
      ...good,
    };
    writeFileSync(join(dir, 'inventory.yaml'), stringify({all: {children: {pxe: {hosts: {pxe1: host}}}}}));
    const report = await converge({
      inventory: join(dir, 'inventory.yaml'),
      playbook: join(dir, 'site.yaml'),
      tags: ['always'],
      skipTags: [],
      extraVars: [],
      forks: 1,
      check: true,
      emit: () => {},
    });
    const failed = report.hosts[0]!.tasks.filter((t) => t.status === 'failed');
    assert.deepEqual(
      failed.map((t) => `${t.task}: ${t.summary}`),
      [],
    );
  });
});
