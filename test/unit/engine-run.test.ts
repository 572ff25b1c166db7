/**
 * A playbook over fake hosts: a role's tasks and handlers on two hosts, a second run that changes nothing,
 * check mode (never writes, shows a diff), a failed task that fails its host only while its notified
 * handler stays owed on the target, an unreachable host, another run holding the target.
 */
import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import {exitCodeOf} from '../../src/engine/events.js';
import {pendingPath} from '../../src/engine/handlers.js';
import {FakeHost} from '../helpers/fake-agent.js';
import {FakeProject} from '../helpers/fake-play.js';

const project = new FakeProject(['h1', 'h2']);
const PENDING = pendingPath();
const role = {roles: ['web']};
const changes = () => project.hosts.flatMap((h) => h.changes.splice(0));
const restarts = (host: FakeHost) => host.ran().filter((line) => line === 'restart app').length;

before(() => {
  project.write('roles/web/defaults/main.yaml', {greeting: 'hello', ports: [80, 8080]});
  project.write(
    'roles/web/templates/app.conf.j2',
    '# {{ inventory_hostname }}\ngreeting={{ greeting }}\n{% for p in ports %}listen {{ p }}\n{% endfor %}',
  );
  project.write('roles/web/files/static.txt', 'static content\n');
  project.write('roles/web/tasks/main.yaml', [
    {name: 'Root directory', file: {path: '/srv/{{ inventory_hostname }}', state: 'directory', mode: '0755'}},
    {
      name: 'Config from a template',
      template: {src: 'app.conf.j2', dest: '/srv/{{ inventory_hostname }}/app.conf', mode: '0640'},
      notify: 'restart app',
    },
    {name: 'A static file', copy: {src: 'static.txt', dest: '/srv/{{ inventory_hostname }}/static.txt'}},
    {
      name: 'A line',
      lineinfile: {path: '/srv/{{ inventory_hostname }}/lines', regexp: '^b', line: 'b=2', create: true},
    },
    {
      name: 'A block',
      blockinfile: {path: '/srv/{{ inventory_hostname }}/block', block: 'x=1\ny=2', create: true},
      notify: 'app config changed',
    },
    {name: 'A link', file: {path: '/srv/{{ inventory_hostname }}/link', src: 'static.txt', state: 'link'}},
    {name: 'Once', command: {argv: ['make-once'], creates: '/srv/{{ inventory_hostname }}/once'}},
    {
      name: 'Per item',
      copy: {content: '{{ item }}\n', dest: '/srv/{{ inventory_hostname }}/item-{{ item }}'},
      loop: ['a', 'b'],
    },
    {name: 'Skipped', copy: {content: 'x', dest: '/srv/never'}, when: 'greeting == "bye"'},
  ]);
  project.write('roles/web/handlers/main.yaml', [
    {name: 'restart app', command: 'restart app', listen: ['app config changed']},
  ]);
  for (const host of project.hosts) {
    host.answer('restart app', {rc: 0}).answer('make-once', () => {
      host.withFiles({[`/srv/${host.name}/once`]: ''});
      return {rc: 0};
    });
  }
});
after(() => project.remove());

describe('a play over fake hosts', () => {
  it('converges two hosts (a handler notified twice runs once), then a second run changes nothing', async () => {
    const first = await project.play([], {play: role});
    assert.equal(
      exitCodeOf(first.report),
      0,
      JSON.stringify(first.report.hosts.map((h) => h.error ?? h.tasks.filter((t) => t.status === 'failed'))),
    );
    for (const host of first.report.hosts) {
      assert.equal(host.stats.failed, 0);
      assert.equal(host.stats.changed, 10, `${host.host}: ${first.statuses(host.host).join(', ')}`);
      assert.equal(host.stats.skipped, 1);
    }
    const h1 = project.host('h1');
    assert.equal(h1.read('/srv/h1/app.conf'), '# h1\ngreeting=hello\nlisten 80\nlisten 8080\n');
    assert.equal(h1.nodes.get('/srv/h1/app.conf')!.mode, 0o640);
    assert.equal(h1.read('/srv/h1/lines'), 'b=2\n');
    assert.match(project.host('h2').read('/srv/h2/block')!, /^# BEGIN ANSIBLE MANAGED BLOCK\nx=1\ny=2\n# END/);
    assert.equal(h1.nodes.get('/srv/h1/link')!.target, 'static.txt');
    assert.equal(restarts(h1), 1, 'the handler ran once though notified by its name and a listen topic');
    assert.equal(h1.read(PENDING), undefined, 'nothing owed after the handler ran');

    changes();
    const second = await project.play([], {play: role});
    assert.equal(exitCodeOf(second.report), 0);
    for (const host of second.report.hosts) assert.equal(host.stats.changed, 0, second.statuses(host.host).join(', '));
    assert.deepEqual(changes(), [], 'a converged host is not written to');
    assert.equal(restarts(h1), 1, 'no handler on a converged host');
  });

  it('check: exit 0 without drift, 2 with a unified diff after a hand edit, and never writes', async () => {
    assert.equal(exitCodeOf((await project.play([], {play: role, check: true})).report), 0);
    project.host('h1').withFiles({'/srv/h1/app.conf': {content: '# edited by hand\n', mode: 0o640}});
    changes();
    const drift = await project.play([], {play: role, check: true});
    assert.equal(exitCodeOf(drift.report), 2);
    assert.equal(drift.report.drift, true);
    const changed = drift.report.hosts.find((h) => h.host === 'h1')!.tasks.filter((t) => t.status === 'changed');
    assert.deepEqual(
      changed.map((t) => t.task),
      ['Config from a template', 'restart app'],
    );
    assert.match(changed[0]!.diff!, /^-# edited by hand$/m);
    assert.match(changed[0]!.diff!, /^\+greeting=hello$/m);
    assert.equal(changed[1]!.summary, 'would run (notified)');
    assert.deepEqual(changes(), [], 'check changed nothing');
    await project.play([], {play: role});
  });

  it('a failed task fails its host only, and its notified handler runs on the next run', async () => {
    const [h1, h2] = project.hosts as [FakeHost, FakeHost];
    h1.withFiles({'/srv/h1/app.conf': 'drifted\n'});
    // h1's link becomes a directory: "A link" fails after the template changed and notified.
    h1.nodes.delete('/srv/h1/link');
    h1.withFiles({'/srv/h1/link/': ''});
    const restartsBefore = restarts(h1);
    const failed = await project.play([], {play: role});
    assert.equal(exitCodeOf(failed.report), 1);
    assert.equal(failed.report.hosts.find((h) => h.host === 'h1')!.stats.failed, 1);
    assert.equal(failed.report.hosts.find((h) => h.host === 'h2')!.stats.failed, 0);
    assert.match(failed.outcome('A link', 'h1').summary, /is a directory/);
    assert.equal(restarts(h1), restartsBefore, 'the handler did not run on the failed host');
    assert.deepEqual(
      JSON.parse(h1.read(PENDING)!),
      {handlers: ['restart app']},
      'the notification is recorded on the target',
    );
    assert.equal(h2.read(PENDING), undefined);

    h1.nodes.delete('/srv/h1/link');
    const next = await project.play([], {play: role});
    assert.equal(exitCodeOf(next.report), 0);
    assert.equal(restarts(h1), restartsBefore + 1, 'the pending handler ran');
    assert.equal(h1.read(PENDING), undefined);
  });

  it('a corrupt pending-handlers record fails the host and is kept', async () => {
    const h1 = project.host('h1');
    for (const corrupt of ['{"handlers": ["restart ap', '{"handlers": "restart"}', '[]']) {
      h1.withFiles({[PENDING]: corrupt});
      const {report} = await project.play([], {play: role});
      const host = report.hosts.find((h) => h.host === 'h1')!;
      assert.equal(host.stats.failed, 1, corrupt);
      assert.match(host.error!.message, /is not pxeprov's pending-handlers record/);
      assert.equal(h1.read(PENDING), corrupt);
      assert.equal(report.hosts.find((h) => h.host === 'h2')!.stats.failed, 0);
    }
    h1.nodes.delete(PENDING);
  });

  it('an unreachable host fails alone', async () => {
    project.host('h2').unreachable = true;
    try {
      const {report} = await project.play([], {play: role});
      assert.equal(exitCodeOf(report), 1);
      const down = report.hosts.find((h) => h.host === 'h2')!;
      assert.equal(down.stats.unreachable, 1);
      assert.equal(down.error?.code, 'E_CONNECT');
      assert.equal(report.hosts.find((h) => h.host === 'h1')!.stats.failed, 0);
    } finally {
      project.host('h2').unreachable = false;
    }
  });

  it('a target another run holds fails with the holder named, and is not unreachable', async () => {
    const other = project.host('h1').connect(false);
    assert.equal(await other.lock('/run/pxeprov/run.lock', 'pxeprov (pid 99) of ops@admin'), undefined);
    try {
      const {report} = await project.play([], {play: role, extraVars: ['pxeprov_lock_timeout=0']});
      const h1 = report.hosts.find((h) => h.host === 'h1')!;
      assert.equal(h1.error?.code, 'E_LOCKED');
      assert.match(h1.error!.message, /locked by another run: .*pxeprov \(pid 99\) of ops@admin/);
      assert.deepEqual([h1.stats.unreachable, h1.stats.failed], [0, 1]);
      assert.equal(report.hosts.find((h) => h.host === 'h2')!.stats.failed, 0);
    } finally {
      await other.close();
    }
  });
});
