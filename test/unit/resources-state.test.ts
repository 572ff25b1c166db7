import {createHash} from 'node:crypto';
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {
  parseAptPolicy,
  parseDpkgQuery,
  planApt,
  unavailablePackages,
  type AptArgs,
  type AptObserved,
} from '../../src/resources/apt.js';
import {planFile, type FileArgs} from '../../src/resources/file.js';
import {
  parseSystemctlShow,
  parseUnits,
  planService,
  service,
  type ServiceArgs,
  type ServiceObserved,
} from '../../src/resources/service.js';
import {PxeError} from '../../src/errors.js';
import {FakeHost} from '../helpers/fake-agent.js';
import {parseMode} from '../../src/resources/attrs.js';
import {diffContent} from '../../src/resources/content.js';
import type {StatResult} from '../../src/transport/types.js';

describe('apt', () => {
  it('parses dpkg-query output', () => {
    const out = 'tftpd-hpa\tinstall ok installed\t5.2+20150808-1.4\nnginx\tdeinstall ok config-files\t1.22\n';
    assert.deepEqual(parseDpkgQuery(out), {'tftpd-hpa': '5.2+20150808-1.4'});
  });
  it("names the packages apt-get found in none of the host's sources", () => {
    const stderr = [
      'E: Unable to locate package ipxe',
      "E: Package 'shim-signed' has no installation candidate",
      'E: Could not get lock /var/lib/dpkg/lock-frontend',
    ].join('\n');
    assert.deepEqual(unavailablePackages(stderr), ['ipxe', 'shim-signed']);
    assert.deepEqual(unavailablePackages('E: Sub-process /usr/bin/dpkg returned an error code (1)'), []);
  });
  it('parses apt-cache policy output', () => {
    const out =
      'nginx:\n  Installed: (none)\n  Candidate: 1.22.1-9\n  Version table:\ntftpd-hpa:\n  Installed: 5.2\n  Candidate: (none)\n';
    assert.deepEqual(parseAptPolicy(out), {nginx: '1.22.1-9'});
  });
  const observed = (packages: AptObserved['packages'], cacheAge?: number): AptObserved => ({packages, cacheAge});
  const cases: [string, AptArgs, AptObserved, {install: string[]; remove: string[]; updateCache: boolean}][] = [
    [
      'nothing to do',
      {name: ['a', 'b']},
      observed({a: {installed: '1'}, b: {installed: '2'}}),
      {install: [], remove: [], updateCache: false},
    ],
    [
      'installs the missing one',
      {name: 'a,b', update_cache: true},
      observed({a: {installed: '1'}, b: {}}),
      {install: ['b'], remove: [], updateCache: true},
    ],
    [
      'fresh cache is not updated',
      {name: ['b'], update_cache: true, cache_valid_time: 3600},
      observed({b: {}}, 60),
      {install: ['b'], remove: [], updateCache: false},
    ],
    [
      'update_cache never runs when nothing is missing',
      {name: ['a'], update_cache: true},
      observed({a: {installed: '1'}}),
      {install: [], remove: [], updateCache: false},
    ],
    [
      'removes an installed one',
      {name: ['a', 'b'], state: 'absent'},
      observed({a: {installed: '1'}, b: {}}),
      {install: [], remove: ['a'], updateCache: false},
    ],
    [
      'latest upgrades to the candidate',
      {name: ['a'], state: 'latest'},
      observed({a: {installed: '1', candidate: '2'}}),
      {install: ['a'], remove: [], updateCache: false},
    ],
    [
      'latest already latest',
      {name: ['a'], state: 'latest'},
      observed({a: {installed: '2', candidate: '2'}}),
      {install: [], remove: [], updateCache: false},
    ],
    [
      'pinned version differs',
      {name: ['a=3']},
      observed({a: {installed: '2'}}),
      {install: ['a=3'], remove: [], updateCache: false},
    ],
  ];
  for (const [name, args, obs, expected] of cases) {
    it(name, () => {
      const plan = planApt(args, obs);
      assert.deepEqual({install: plan.install, remove: plan.remove, updateCache: plan.updateCache}, expected);
    });
  }
});

describe('service', () => {
  it('parses systemctl show', () => {
    assert.deepEqual(parseSystemctlShow('LoadState=loaded\nActiveState=active\n', 'enabled\n'), {
      exists: true,
      active: true,
      enabled: true,
    });
    assert.deepEqual(parseSystemctlShow('LoadState=not-found\nActiveState=inactive\n', ''), {
      exists: false,
      active: false,
      enabled: undefined,
    });
    assert.deepEqual(parseSystemctlShow('LoadState=loaded\nActiveState=failed\n', 'disabled\n'), {
      exists: true,
      active: false,
      enabled: false,
    });
    const sysv =
      'tftpd-hpa.service is not a native service, redirecting to systemd-sysv-install.\nExecuting: /lib/systemd/systemd-sysv-install is-enabled tftpd-hpa\nenabled\n';
    assert.deepEqual(parseSystemctlShow('LoadState=loaded\nActiveState=active\n', sysv), {
      exists: true,
      active: true,
      enabled: true,
    });
    assert.deepEqual(parseSystemctlShow('LoadState=loaded\nActiveState=active\n', 'static\n'), {
      exists: true,
      active: true,
      enabled: undefined,
    });
  });
  it('parses the answer for several units: in any order, an unknown one included; one missing, repeated or stray is an error', () => {
    const shows =
      'LoadState=loaded\nActiveState=active\n\nLoadState=not-found\nActiveState=inactive\n\nLoadState=loaded\nActiveState=inactive\n';
    const stdout = '3 disabled\n---\n1 enabled\n---\n2 \n---\n' + shows;
    assert.deepEqual(parseUnits(['nginx', 'gone', 'tftpd-hpa'], stdout), [
      {exists: true, active: true, enabled: true},
      {exists: false, active: false, enabled: undefined},
      {exists: true, active: false, enabled: false},
    ]);
    const twoShows = 'LoadState=loaded\nActiveState=active\n\nLoadState=loaded\nActiveState=inactive\n';
    assert.equal(parseUnits(['nginx', 'tftpd-hpa'], '2 disabled\n---\n1 enabled\n---\n' + twoShows).length, 2);
    const broken = [
      // systemctl show failing (no systemd bus) leaves the units without properties: not "absent".
      '1 enabled\n---\n2 enabled\n---\n',
      '1 enabled\n---\nLoadState=loaded\nActiveState=active\n\nLoadState=loaded\nActiveState=active\n',
      '1 enabled\n---\n1 enabled\n---\n' + twoShows,
      '1 enabled\n---\n3 enabled\n---\n' + twoShows,
      '1 enabled\n---\nenabled\n---\n' + twoShows,
    ];
    for (const answer of broken)
      assert.throws(
        () => parseUnits(['nginx', 'tftpd-hpa'], answer),
        (e: unknown) => e instanceof PxeError && e.code === 'E_REMOTE',
        answer,
      );
  });
  it('reads the services of one tick in one request', async () => {
    const host = new FakeHost('h');
    host.services.set('nginx', {active: true, enabled: true});
    host.services.set('tftpd-hpa', {active: false, enabled: false});
    const agent = host.connect(true);
    const observed = await Promise.all(['nginx', 'gone', 'tftpd-hpa'].map((name) => service.read({name}, agent)));
    assert.deepEqual(
      observed.map((o) => [o.exists, o.active, o.enabled]),
      [
        [true, true, true],
        [false, false, undefined],
        [true, false, false],
      ],
    );
    assert.equal(host.commands.length, 1, host.commands.map((c) => c.join(' ')).join('\n'));
  });
  const running: ServiceObserved = {init: 'systemd', exists: true, active: true, enabled: true};
  const stopped: ServiceObserved = {init: 'systemd', exists: true, active: false, enabled: false};
  const cases: [string, ServiceArgs, ServiceObserved, unknown][] = [
    ['started and enabled: nothing', {name: 's', state: 'started', enabled: true}, running, undefined],
    [
      'starts and enables',
      {name: 's', state: 'started', enabled: true},
      stopped,
      {name: 's', init: 'systemd', action: 'start', enable: true},
    ],
    ['stops', {name: 's', state: 'stopped'}, running, {name: 's', init: 'systemd', action: 'stop'}],
    [
      'restarted always acts',
      {name: 's', state: 'restarted'},
      running,
      {name: 's', init: 'systemd', action: 'restart'},
    ],
    [
      'reloaded on a stopped service starts it',
      {name: 's', state: 'reloaded'},
      stopped,
      {name: 's', init: 'systemd', action: 'start'},
    ],
    ['only disables', {name: 's', enabled: false}, running, {name: 's', init: 'systemd', enable: false}],
  ];
  for (const [name, args, obs, expected] of cases) it(name, () => assert.deepEqual(planService(args, obs), expected));
});

describe('file', () => {
  const absent: StatResult = {path: '/x', kind: 'absent'};
  const dir: StatResult = {path: '/x', kind: 'directory', mode: 0o755, owner: 'root', group: 'root', uid: 0, gid: 0};
  const link: StatResult = {path: '/x', kind: 'link', target: '/a'};
  const cases: [string, FileArgs, StatResult, string][] = [
    ['creates a directory', {path: '/x', state: 'directory'}, absent, 'create-directory'],
    ['directory up to date', {path: '/x', state: 'directory', mode: '0755'}, dir, 'already up to date'],
    ['directory mode differs', {path: '/x', state: 'directory', mode: '0700'}, dir, 'attrs'],
    ['removes', {path: '/x', state: 'absent'}, dir, 'remove'],
    ['absent already', {path: '/x', state: 'absent'}, absent, 'already absent'],
    ['link up to date', {path: '/x', state: 'link', src: '/a'}, link, 'already up to date'],
    ['link retargeted', {path: '/x', state: 'link', src: '/b'}, link, 'link'],
    ['touch creates', {path: '/x', state: 'touch'}, absent, 'create-file'],
  ];
  for (const [name, args, stat, expected] of cases) {
    it(name, () => {
      const plan = planFile(args, stat);
      assert.equal(typeof plan === 'string' ? plan : plan.action, expected);
    });
  }
  it('refuses a directory where a file is wanted', () =>
    assert.throws(() => planFile({path: '/x', state: 'file'}, dir), /is a directory/));
});

describe('modes and content', () => {
  it('parses modes', () => {
    assert.equal(parseMode('0644'), 0o644);
    assert.equal(parseMode('755'), 0o755);
    assert.equal(parseMode(0o600), 0o600);
    assert.throws(() => parseMode('rw-r--r--'), /not an octal/);
  });
  const file = (sha256: string, mode = 0o644): StatResult => ({
    path: '/etc/x',
    kind: 'file',
    sha256,
    mode,
    owner: 'root',
    group: 'root',
    uid: 0,
    gid: 0,
  });
  const sha = (text: string) => createHash('sha256').update(text).digest('hex');
  it('no change when content and attrs match', () => {
    assert.deepEqual(
      diffContent('/etc/x', Buffer.from('a\n'), {mode: 0o644}, {stat: file(sha('a\n')), content: Buffer.from('a\n')}),
      {ok: 'already up to date'},
    );
  });
  it('content change is a unified diff', () => {
    const change = diffContent(
      '/etc/x',
      Buffer.from('a\nb\n'),
      {},
      {stat: file(sha('a\n')), content: Buffer.from('a\n')},
    );
    assert.ok('diff' in change && change.diff!.includes('+b') && change.diff!.includes('--- a/etc/x'));
  });
  it('mode change alone is an attribute diff', () => {
    const change = diffContent(
      '/etc/x',
      Buffer.from('a\n'),
      {mode: 0o600},
      {stat: file(sha('a\n')), content: Buffer.from('a\n')},
    );
    assert.ok('summary' in change);
    assert.equal(change.summary, 'mode 0644 -> 0600');
    assert.match(change.diff!, /-mode: 0644\n\+mode: 0600/);
  });
  it('binary content shows hashes', () => {
    const change = diffContent('/etc/x', Buffer.from([0, 1, 2]), {}, {stat: file('00'), content: Buffer.from([0, 9])});
    assert.ok('diff' in change && change.diff!.includes('sha256'));
  });
});
