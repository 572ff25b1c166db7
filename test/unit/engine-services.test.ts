/**
 * Packages, services and their restart handlers on a fake host: check mode plans an install and the start of
 * a service the install brings; up runs apt-get and systemctl once; a restart handler notified before the
 * service was started is not needed; a converged host runs neither apt-get nor systemctl.
 */
import assert from 'node:assert/strict';
import {after, describe, it} from 'node:test';
import {exitCodeOf} from '../../src/engine/events.js';
import {FakeProject} from '../helpers/fake-play.js';

const project = new FakeProject();
const host = project.host();
// Installing nginx brings its (stopped, enabled) unit, as the Debian package does with policy-rc.d.
host.answer(/^apt-get install /, (argv) => {
  host.changes.push(argv.join(' '));
  if (argv.includes('nginx')) {
    host.packages.set('nginx', '1.22.1-9');
    host.services.set('nginx', {active: false, enabled: true});
  }
  return {rc: 0};
});
after(() => project.remove());

const tasks = (listen: number) => [
  {name: 'Package', apt: {name: 'nginx', state: 'present'}},
  {
    name: 'Config',
    copy: {content: `listen ${listen};\n`, dest: '/etc/nginx/conf.d/site.conf'},
    notify: 'restart nginx',
  },
  {name: 'Running', service: {name: 'nginx', state: 'started', enabled: true}},
];
const play = {handlers: [{name: 'restart nginx', service: {name: 'nginx', state: 'restarted'}}]};

describe('packages and services', () => {
  it('check mode plans the install and the start of a service the install brings, and runs nothing', async () => {
    const {report, statuses, outcome} = await project.play(tasks(80), {check: true, play});
    assert.equal(exitCodeOf(report), 2);
    assert.deepEqual(statuses(), ['changed: Package', 'changed: Config', 'changed: Running', 'changed: restart nginx']);
    assert.match(outcome('Running').summary, /^start, enable \(not installed yet: an earlier task installs it\)$/);
    assert.deepEqual(host.changes, []);
  });

  it('up installs, writes and starts; the restart notified before the start is not needed', async () => {
    host.withFiles({'/etc/nginx/conf.d/': ''});
    const {report, outcome} = await project.play(tasks(80), {play});
    assert.equal(exitCodeOf(report), 0, JSON.stringify(report.hosts[0]!.tasks.filter((t) => t.status === 'failed')));
    assert.deepEqual(outcome('restart nginx').summary, 'not needed: nginx started after the change');
    assert.deepEqual(
      host.changes.filter((c) => !/ \/(var\/lib|run)\/pxeprov\b/.test(c)),
      [
        'apt-get install -y -q -o DPkg::Lock::Timeout=300 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold --no-install-recommends nginx',
        'write /etc/nginx/conf.d/site.conf',
        'systemctl start -- nginx',
      ],
    );
    assert.deepEqual(host.services.get('nginx'), {active: true, enabled: true});
  });

  it('a converged host runs neither apt-get nor systemctl', async () => {
    host.changes.length = 0;
    host.commands.length = 0;
    const {report} = await project.play(tasks(80), {play});
    assert.equal(report.hosts[0]!.stats.changed, 0);
    assert.deepEqual(host.changes, []);
    assert.deepEqual(
      host.ran().filter((line) => /^(apt-get|systemctl) /.test(line)),
      [],
    );
  });

  it('a changed config of a running service restarts it', async () => {
    host.changes.length = 0;
    const {outcome} = await project.play(tasks(8080), {play});
    assert.equal(outcome('restart nginx').status, 'changed');
    assert.deepEqual(
      host.changes.filter((c) => c.startsWith('systemctl')),
      ['systemctl restart -- nginx'],
    );
  });
});
