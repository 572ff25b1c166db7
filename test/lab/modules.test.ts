/**
 * apt and service against a real Debian target (the lab host, root): dpkg's state read, apt-get run only
 * when something differs, services started/stopped/enabled, and check mode planning a service whose
 * package an earlier task would install. Its own prefix (mod).
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

const PREFIX = 'mod';
let dir: string;
let inventory: string;

async function play(tasks: unknown[], check = false): Promise<RunReport> {
  const playbook = join(dir, `play-${Date.now()}.yaml`);
  await writeFile(playbook, stringify([{name: 'modules', hosts: 'pxe_servers', tasks}]));
  return converge({inventory, playbook, tags: [], skipTags: [], extraVars: [], forks: 1, check, emit: () => {}});
}

const statuses = (report: RunReport) => report.hosts[0]!.tasks.map((t) => `${t.status}: ${t.task}`);

describe('lab: apt and service on a real Debian host', {timeout: 10 * 60_000}, () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pxeprov-modules-'));
    inventory = join(dir, 'lab.yaml');
    await labDown({prefix: PREFIX});
    await labUp({prefix: PREFIX, inventory});
  });

  after(async () => {
    await labDown({prefix: PREFIX});
    await rm(dir, {recursive: true, force: true});
  });

  const install = [
    {name: 'tftpd-hpa installed', apt: {name: ['tftpd-hpa'], update_cache: true, cache_valid_time: 3600}},
    {name: 'tftpd-hpa running', service: {name: 'tftpd-hpa', state: 'started', enabled: true}},
  ];

  it('check mode plans the install and the start of a service that does not exist yet', async () => {
    const report = await play(install, true);
    assert.deepEqual(statuses(report), ['changed: tftpd-hpa installed', 'changed: tftpd-hpa running']);
    assert.match(report.hosts[0]!.tasks[0]!.summary, /^install tftpd-hpa$/);
    assert.match(report.hosts[0]!.tasks[1]!.summary, /not installed yet/);
    const dpkg = await runInLabHost('dpkg-query -W -f "${Status}" tftpd-hpa', {prefix: PREFIX, allowFail: true});
    assert.doesNotMatch(dpkg.stdout, /install ok installed/, 'check installed nothing');
  });

  it('up installs and starts; a second up runs neither apt-get nor systemctl', async () => {
    const first = await play(install);
    assert.equal(first.hosts[0]!.stats.failed, 0, JSON.stringify(first.hosts[0]!.tasks));
    const active = await runInLabHost('systemctl is-active tftpd-hpa; systemctl is-enabled tftpd-hpa', {
      prefix: PREFIX,
    });
    assert.equal(active.stdout, 'active\nenabled\n');
    const stamp = (
      await runInLabHost('stat -c %Y /var/lib/dpkg/status; systemctl show -p ActiveEnterTimestampMonotonic tftpd-hpa', {
        prefix: PREFIX,
      })
    ).stdout;
    const second = await play(install);
    assert.deepEqual(statuses(second), ['ok: tftpd-hpa installed', 'ok: tftpd-hpa running']);
    assert.equal(
      (
        await runInLabHost(
          'stat -c %Y /var/lib/dpkg/status; systemctl show -p ActiveEnterTimestampMonotonic tftpd-hpa',
          {prefix: PREFIX},
        )
      ).stdout,
      stamp,
    );
  });

  it('stop, disable, restart and remove', async () => {
    const stopped = await play([{name: 'stop', service: {name: 'tftpd-hpa', state: 'stopped', enabled: false}}]);
    assert.deepEqual(statuses(stopped), ['changed: stop']);
    assert.equal(
      (
        await runInLabHost('systemctl is-active tftpd-hpa; systemctl is-enabled tftpd-hpa', {
          prefix: PREFIX,
          allowFail: true,
        })
      ).stdout,
      'inactive\ndisabled\n',
    );
    const drift = await play(install, true);
    assert.deepEqual(statuses(drift), ['ok: tftpd-hpa installed', 'changed: tftpd-hpa running']);
    assert.match(
      drift.hosts[0]!.tasks[1]!.diff!,
      /-state: inactive\n-enabled: false\n\+state: active \(start\)\n\+enabled: true/,
    );
    const restarted = await play([...install, {name: 'restart', service: {name: 'tftpd-hpa', state: 'restarted'}}]);
    assert.deepEqual(statuses(restarted), [
      'ok: tftpd-hpa installed',
      'changed: tftpd-hpa running',
      'changed: restart',
    ]);
    const removed = await play([{name: 'gone', apt: {name: 'tftpd-hpa', state: 'absent', purge: true}}]);
    assert.deepEqual(statuses(removed), ['changed: gone']);
    const missing = await play([{name: 'no unit', service: {name: 'tftpd-hpa', state: 'started'}}]);
    assert.equal(missing.hosts[0]!.stats.failed, 1);
    assert.match(missing.hosts[0]!.tasks[0]!.summary, /service tftpd-hpa does not exist/);
  });

  it("a package the host's apt sources lack fails the task naming it", async () => {
    const report = await play([{name: 'no such package', apt: {name: 'pxeprov-no-such-package'}}]);
    assert.equal(report.hosts[0]!.stats.failed, 1);
    const task = report.hosts[0]!.tasks[0]!;
    assert.match(task.summary, /^pxeprov-no-such-package: not in the host's apt sources, nothing was installed/);
    assert.match(task.error!.hint!, /apt-cache policy pxeprov-no-such-package/);
  });
});
