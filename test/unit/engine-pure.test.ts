import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {exitCodeOf, emptyStats, type RunReport} from '../../src/engine/events.js';
import {ansibleFacts} from '../../src/engine/facts-vars.js';
import {handlersFor, unanswered} from '../../src/engine/handlers.js';
import {selectedByTags} from '../../src/engine/tags.js';
import {Lookahead} from '../../src/engine/lookahead.js';
import {isSecretName} from '../../src/config/redact.js';
import {Redactor, secretValues} from '../../src/engine/redact.js';
import type {Task} from '../../src/config/model.js';
import type {Facts} from '../../src/transport/types.js';

describe('tags', () => {
  const cases: [string[], string[], string[], boolean][] = [
    [[], [], [], true],
    [['dhcp'], ['dhcp'], [], true],
    [['tftp'], ['dhcp'], [], false],
    [['dhcp'], [], ['dhcp'], false],
    [['always'], ['dhcp'], [], true],
    [['always'], [], ['always'], false],
    [['never'], [], [], false],
    [['never', 'x'], ['x'], [], true],
    [[], ['untagged'], [], true],
    [['a'], ['tagged'], [], true],
    [['a'], ['all'], [], true],
  ];
  for (const [taskTags, tags, skip, expected] of cases) {
    it(`task ${JSON.stringify(taskTags)} with --tags ${JSON.stringify(tags)} --skip-tags ${JSON.stringify(skip)}`, () =>
      assert.equal(selectedByTags(taskTags, tags, skip), expected));
  }
});

describe('handlers', () => {
  const handler = (name: string, listen: string[] = []) => ({name, listen}) as unknown as Task;
  const handlers = [handler('restart dhcp'), handler('restart tftp', ['tftp config changed']), handler('reload nfs')];
  it('runs notified handlers in definition order', () => {
    assert.deepEqual(
      handlersFor(handlers, new Set(['reload nfs', 'restart dhcp'])).map((h) => h.name),
      ['restart dhcp', 'reload nfs'],
    );
  });
  it('answers listen names', () =>
    assert.deepEqual(
      handlersFor(handlers, new Set(['tftp config changed'])).map((h) => h.name),
      ['restart tftp'],
    ));
  it('keeps names no handler answers', () =>
    assert.deepEqual(unanswered(handlers, ['restart dhcp', 'other']), ['other']));
});

describe('lookahead', () => {
  it('prepares a sliding window at once and re-prepares after invalidate', async () => {
    const calls: number[] = [];
    const ahead = new Lookahead(
      [0, 1, 2, 3],
      async (n) => (calls.push(n), n * 10),
      () => true,
      3,
    );
    assert.equal(await ahead.get(0), 0);
    assert.deepEqual(calls, [0, 1, 2]);
    assert.equal(await ahead.get(1), 10);
    assert.deepEqual(calls, [0, 1, 2, 3]);
    ahead.invalidate();
    assert.equal(await ahead.get(2), 20);
    assert.deepEqual(calls, [0, 1, 2, 3, 2, 3]);
  });
  it('reads slow items only in their turn', async () => {
    const calls: number[] = [];
    const ahead = new Lookahead(
      [0, 1, 2],
      async (n) => (calls.push(n), n),
      (n) => n !== 1,
    );
    await ahead.get(0);
    assert.deepEqual(calls, [0, 2]);
    await ahead.get(1);
    assert.deepEqual(calls, [0, 2, 1]);
  });
});

describe('redaction', () => {
  it('knows secret names', () => {
    for (const name of [
      'ansible_become_password',
      'root_password',
      'api_token',
      'tls_key',
      'ansible_ssh_pass',
      'db_secret',
    ])
      assert.ok(isSecretName(name), name);
    for (const name of ['ansible_ssh_private_key_file', 'keyboard', 'pxe_iface', 'password_file', 'monkey'])
      assert.ok(!isSecretName(name), name);
  });
  it('collects secret values at any depth and masks them', () => {
    const secrets = secretValues({
      kickstart: {root_password: 'hunter22'},
      users: [{name: 'a', password: 's3cret!'}],
      pxe_ip: '10.0.0.1',
    });
    assert.deepEqual(secrets.sort(), ['hunter22', 's3cret!']);
    const redactor = new Redactor();
    redactor.add(secrets);
    assert.equal(redactor.text('rootpw hunter22 and s3cret!'), 'rootpw ******** and ********');
  });
});

describe('facts as Ansible variables', () => {
  const facts: Facts = {
    os: {id: 'debian', versionId: '12', codename: 'bookworm', prettyName: 'Debian GNU/Linux 12', idLike: []},
    kernel: '6.1.0',
    arch: 'x86_64',
    hostname: 'pxe',
    init: 'systemd',
    interfaces: [
      {name: 'eth1', mac: '52:54:00:00:00:01', ipv4: ['192.168.1.20/24'], ipv6: [], up: true, manager: 'ifupdown'},
    ],
    defaultRoute: {iface: 'eth1', gateway: '192.168.1.1'},
    packages: {},
    user: 'root',
    uid: 0,
    shell: 'dash',
  };
  const vars = ansibleFacts(facts);
  it('names them as Ansible does', () => {
    assert.equal(vars.distribution, 'Debian');
    assert.equal(vars.distribution_release, 'bookworm');
    assert.equal(vars.os_family, 'Debian');
    assert.deepEqual(vars.default_ipv4, {
      interface: 'eth1',
      gateway: '192.168.1.1',
      address: '192.168.1.20',
      netmask: '255.255.255.0',
      network: '192.168.1.0',
      prefix: '24',
    });
    assert.deepEqual((vars.eth1 as {ipv4: unknown}).ipv4, {
      address: '192.168.1.20',
      netmask: '255.255.255.0',
      network: '192.168.1.0',
      prefix: '24',
    });
  });
});

describe('exit codes', () => {
  const report = (check: boolean, drift: boolean, stats = emptyStats()): RunReport => ({
    playbook: 'p',
    inventory: 'i',
    check,
    drift,
    hosts: [{host: 'h', stats, tasks: [], ms: 0}],
    ms: 0,
  });
  it('0 for a clean run, 2 for drift, 1 for a failed host', () => {
    assert.equal(exitCodeOf(report(false, false)), 0);
    assert.equal(exitCodeOf(report(true, true)), 2);
    assert.equal(exitCodeOf(report(true, true, {...emptyStats(), failed: 1})), 1);
    assert.equal(exitCodeOf(report(false, false, {...emptyStats(), unreachable: 1})), 1);
  });
});
