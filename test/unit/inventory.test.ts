/** Inventory: host ranges, INI values, host patterns, the views of `pxeprov inventory` — data-driven. */
import assert from 'node:assert/strict';
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, relative} from 'node:path';
import {after, describe, it} from 'node:test';
import {expandHostRange} from '../../src/config/host-range.js';
import {selectHosts} from '../../src/config/host-pattern.js';
import {iniValue} from '../../src/config/inventory-ini.js';
import {graphText, inventoryGraph, inventoryHost, inventoryList} from '../../src/config/inventory-view.js';
import {loadInventory} from '../../src/config/inventory.js';
import {PxeError} from '../../src/errors.js';

const GOOD = join(import.meta.dirname, '../fixtures/good-inventories');

const ranges: Array<[string, string[]]> = [
  ['web[01:03]', ['web01', 'web02', 'web03']],
  ['web[8:10]', ['web8', 'web9', 'web10']],
  ['db-[a:c]', ['db-a', 'db-b', 'db-c']],
  ['n[0:10:5]', ['n0', 'n5', 'n10']],
  ['r[1:2]-u[a:b]', ['r1-ua', 'r1-ub', 'r2-ua', 'r2-ub']],
  ['[::1]', ['[::1]']],
  ['plain.example.com', ['plain.example.com']],
];
const badRanges = ['w[1:]', 'w[01:100]', 'w[5:1]', 'w[a:3]', 'w[1:3:0]'];

describe('host ranges', () => {
  for (const [name, hosts] of ranges) it(name, () => assert.deepEqual(expandHostRange(name), hosts));
  for (const name of badRanges)
    it(`${name} is an error`, () =>
      assert.throws(
        () => expandHostRange(name),
        (e: unknown) => e instanceof PxeError && e.code === 'E_INVENTORY',
      ));
});

const values: Array<[string, unknown]> = [
  ['22', 22],
  ['-1', -1],
  ['1.5', 1.5],
  ['10.0.0.1', '10.0.0.1'],
  ['True', true],
  ['false', false],
  ['yes', 'yes'],
  ['"22"', '22'],
  ['[1, 2]', [1, 2]],
  ['{"a": 1}', {a: 1}],
  ['[not json', '[not json'],
];

describe('INI values are typed like Ansible', () => {
  for (const [text, value] of values) it(text, () => assert.deepEqual(iniValue(text), value));
});

const inventory = loadInventory(join(GOOD, 'ini-classic/hosts'));
const patterns: Array<[string, string[]]> = [
  ['all', [...inventory.hosts.keys()]],
  ['*', [...inventory.hosts.keys()]],
  ['dbservers', ['one.example.com', 'two.example.com', 'three.example.com']],
  ['southeast', ['foo.example.com', 'one.example.com']],
  ['webservers:&atlanta', ['foo.example.com']],
  ['webservers:!www*', ['foo.example.com', 'bar.example.com']],
  ['dbservers,mail.example.com', ['mail.example.com', 'one.example.com', 'two.example.com', 'three.example.com']],
  ['~(one|two)\\.', ['one.example.com', 'two.example.com']],
  ['webservers[0]', ['foo.example.com']],
  ['webservers[1:2]', ['bar.example.com', 'www01.example.com']],
  [
    '!dbservers',
    [
      'mail.example.com',
      'foo.example.com',
      'bar.example.com',
      'www01.example.com',
      'www02.example.com',
      'www03.example.com',
    ],
  ],
];

describe('host patterns', () => {
  for (const [pattern, hosts] of patterns) it(pattern, () => assert.deepEqual(selectHosts(inventory, pattern), hosts));
  it('an unknown name is E_LIMIT with the nearest names', () =>
    assert.throws(
      () => selectHosts(inventory, 'webserver'),
      (e: unknown) => e instanceof PxeError && e.code === 'E_LIMIT' && /did you mean 'webservers'/.test(e.hint ?? ''),
    ));
  it('non-strict ignores unknown names', () =>
    assert.deepEqual(selectHosts(inventory, 'nope:dbservers[0]', {strict: false}), ['one.example.com']));
});

describe('inventory views', () => {
  it('--graph', () => {
    const text = graphText(inventoryGraph(loadInventory(join(GOOD, 'yaml-nested/site.yml'))));
    assert.equal(
      text,
      [
        '@all:',
        '  |--@datacenter:',
        '  |  |--@rack_a:',
        '  |  |  |--node-a',
        '  |  |  |--node-b',
        '  |  |  |--node-c',
        '  |  |  |--pxe1',
        '  |  |--@rack_b:',
        '  |  |  |--node-d',
        '  |  |  |--pxe2',
        '  |--@pxe_servers:',
        '  |  |--pxe1',
        '  |  |--pxe2',
        '  |--@ungrouped:',
        '  |  |--jumpbox',
      ].join('\n'),
    );
  });
  it('--host and --list redact secrets but not key files', () => {
    const vars = inventoryHost(inventory, 'bar.example.com');
    assert.equal(vars.ansible_become_password, '********');
    assert.equal(vars.ansible_ssh_private_key_file, '~/.ssh/deploy_key');
    const list = inventoryList(inventory) as {
      _meta: {hostvars: Record<string, Record<string, unknown>>};
      southeast: {children: string[]};
    };
    assert.equal(list._meta.hostvars['mail.example.com']!.ansible_become_password, '********');
    assert.deepEqual(list.southeast.children, ['atlanta']);
  });
  it('--host of an unknown host', () => assert.throws(() => inventoryHost(inventory, 'foo.example'), /no host named/));
});

describe('relative paths in the inventory are relative to the inventory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pxeprov-inv-paths-'));
  after(() => rmSync(dir, {recursive: true, force: true}));
  mkdirSync(join(dir, 'site', 'group_vars'), {recursive: true});
  writeFileSync(
    join(dir, 'site', 'hosts.yaml'),
    'all:\n  hosts:\n    a: {ansible_ssh_private_key_file: keys/id}\n    b: {ansible_ssh_private_key_file: ~/.ssh/id, pxeprov_known_hosts: ~/.ssh/known_hosts}\n    c: {ansible_ssh_private_key_file: /abs/id}\n',
  );
  writeFileSync(join(dir, 'site', 'group_vars', 'all.yaml'), 'pxeprov_known_hosts: keys/known_hosts\n');
  const cases: Array<[string, string, string]> = [
    ['a', 'ansible_ssh_private_key_file', join(dir, 'site', 'keys', 'id')],
    ['a', 'pxeprov_known_hosts', join(dir, 'site', 'keys', 'known_hosts')],
    ['b', 'ansible_ssh_private_key_file', '~/.ssh/id'],
    ['b', 'pxeprov_known_hosts', '~/.ssh/known_hosts'],
    ['c', 'ansible_ssh_private_key_file', '/abs/id'],
  ];
  for (const [host, name, expected] of cases) {
    it(`${host}: ${name} is ${expected.replace(dir, 'DIR')}`, () => {
      // Loaded by a relative name from another working directory: the inventory's own directory counts.
      const inventory = loadInventory(relative(process.cwd(), join(dir, 'site', 'hosts.yaml')));
      assert.equal(inventory.hosts.get(host)!.vars[name], expected);
      assert.equal(inventory.dir, join(dir, 'site'));
    });
  }
});
