import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {PxeError} from '../../src/errors.js';
import {connectionSpecFromVars, parseSshCommonArgs, splitShellWords} from '../../src/transport/spec.js';
import {mkdirSync, mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {jumpSpec, lookupSshConfig, resolveTarget} from '../../src/transport/target.js';

describe('ssh common args', () => {
  const cases: Array<[string, ReturnType<typeof parseSshCommonArgs>]> = [
    ['-o StrictHostKeyChecking=no', {strictHostKeyChecking: false}],
    [
      '-o StrictHostKeyChecking=yes -oUserKnownHostsFile=/dev/null',
      {strictHostKeyChecking: true, userKnownHostsFile: '/dev/null'},
    ],
    ['-o "ProxyJump admin@bastion:2222"', {proxyJump: 'admin@bastion:2222'}],
    [
      "-J 'jump1,jump2' -p 2200 -i ~/.ssh/lab -l deploy",
      {proxyJump: 'jump1,jump2', port: 2200, identityFile: '~/.ssh/lab', user: 'deploy'},
    ],
    [
      '-o ControlMaster=auto -o ControlPersist=60s -C',
      {ignored: ['-o ControlMaster=auto', '-o ControlPersist=60s', '-C']},
    ],
    [
      '-F ~/.ssh/lab_config -c aes128-ctr -vvv',
      {sshConfigFile: '~/.ssh/lab_config', ignored: ['-c aes128-ctr', '-vvv']},
    ],
    [
      '-o StrictHostKeyChecking=accept-new -o "GlobalKnownHostsFile /g"',
      {strictHostKeyChecking: 'accept-new', globalKnownHostsFile: '/g'},
    ],
    ['-o stricthostkeychecking=off -o ConnectTimeout=5', {strictHostKeyChecking: false, connectTimeout: 5}],
  ];
  for (const [args, want] of cases) it(args, () => assert.deepEqual(parseSshCommonArgs(args), want));

  it('rejects a flag without its value', () => assert.throws(() => parseSshCommonArgs('-o')));
  it('rejects ProxyCommand: the connection would not take that route', () =>
    assert.throws(() => parseSshCommonArgs('-o ProxyCommand="ssh -W %h:%p bastion"'), /ProxyJump/));
  it('rejects a port that is not a number', () => assert.throws(() => parseSshCommonArgs('-p ssh'), /positive number/));

  it('splits words like a shell', () => {
    assert.deepEqual(splitShellWords(`a 'b c' "d \\"e\\"" f\\ g ''`), ['a', 'b c', 'd "e"', 'f g', '']);
  });
});

describe('connectionSpecFromVars', () => {
  it("maps Ansible's names", () => {
    assert.deepEqual(
      connectionSpecFromVars('pxe1', {
        ansible_host: '192.168.50.10',
        ansible_port: '2222',
        ansible_user: 'deploy',
        ansible_ssh_pass: 'pw',
        ansible_ssh_private_key_file: '~/.ssh/lab',
        ansible_become: 'yes',
        ansible_become_user: 'root',
        ansible_become_pass: 'sudo-pw',
        ansible_ssh_common_args: '-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -J bastion',
        pxeprov_connect_timeout: 5,
        pxeprov_request_timeout: '60',
      }),
      {
        name: 'pxe1',
        host: '192.168.50.10',
        port: 2222,
        user: 'deploy',
        password: 'pw',
        privateKeyFile: '~/.ssh/lab',
        knownHostsFile: '/dev/null',
        hostKeyChecking: false,
        proxyJump: 'bastion',
        become: true,
        becomeUser: 'root',
        becomePassword: 'sudo-pw',
        connectTimeout: 5,
        requestTimeout: 60,
      },
    );
  });

  it('lets explicit variables win over common args', () => {
    const spec = connectionSpecFromVars('h', {
      ansible_port: 22,
      ansible_ssh_common_args: '-p 2200',
      pxeprov_host_key_checking: true,
      pxeprov_known_hosts: '/k',
    });
    assert.equal(spec.port, 22);
    assert.equal(spec.hostKeyChecking, true);
    assert.equal(spec.knownHostsFile, '/k');
  });

  it('gives the bare minimum for a host without variables', () =>
    assert.deepEqual(connectionSpecFromVars('pxe1', {}), {name: 'pxe1'}));

  for (const [key, value] of [
    ['ansible_port', 'ssh'],
    ['ansible_become', 'maybe'],
  ] as const) {
    it(`rejects ${key}: ${value} naming the host`, () => {
      assert.throws(
        () => connectionSpecFromVars('pxe1', {[key]: value}),
        (e: unknown) => e instanceof PxeError && e.where.host === 'pxe1',
      );
    });
  }
});

describe('ProxyJump hops', () => {
  it('parses user@host:port', () => {
    const spec = jumpSpec('admin@[fe80::1]:2222', {name: 'pxe1', knownHostsFile: '/k'});
    assert.deepEqual([spec.user, spec.host, spec.port, spec.knownHostsFile], ['admin', 'fe80::1', 2222, '/k']);
  });
});

describe('ssh config Include', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pxeprov-sshcfg-'));
  mkdirSync(join(dir, 'd'));
  const write = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  write('d/b.conf', 'Host beta\n  Port 2202\n');
  write('d/a.conf', 'Host alpha\n  Port 2201\n  User first\n');
  write('d/.hidden.conf', 'Host alpha\n  Port 1\n');
  write('inner', '  User from-inner\n');

  it('expands globs in name order, skipping dot files, and matches included Host blocks', () => {
    const config = write('globs', `Include ${dir}/d/*.conf ${dir}/missing-*.conf\nHost *\n  User fallback\n`);
    assert.deepEqual([lookupSshConfig(config, 'alpha').port, lookupSshConfig(config, 'alpha').user], ['2201', 'first']);
    assert.deepEqual(
      [lookupSshConfig(config, 'beta').port, lookupSshConfig(config, 'beta').user],
      ['2202', 'fallback'],
    );
  });

  it('keeps the enclosing Host block after an included file that opens blocks of its own', () => {
    const config = write('nested', `Host gamma\n  Include ${dir}/inner\n  Include ${dir}/d/b.conf\n  Port 2203\n`);
    assert.deepEqual(
      [lookupSshConfig(config, 'gamma').user, lookupSshConfig(config, 'gamma').port],
      ['from-inner', '2203'],
    );
    assert.equal(lookupSshConfig(config, 'beta').port, '2202');
  });

  it('refuses an Include that includes itself', () => {
    const config = join(dir, 'loop');
    write('loop', `Include ${config}\n`);
    assert.throws(
      () => resolveTarget({name: 'pxe1', sshConfigFile: config}),
      (e: unknown) => e instanceof PxeError && /nested more than 16 deep/.test(e.message) && e.where.host === 'pxe1',
    );
  });

  it('takes StrictHostKeyChecking and the known_hosts files from it, and refuses an unknown value', () => {
    const config = write(
      'strict',
      'Host a\n  StrictHostKeyChecking accept-new\n  UserKnownHostsFile /one "/two words"\n  GlobalKnownHostsFile /g\nHost b\n  StrictHostKeyChecking maybe\n',
    );
    const a = resolveTarget({name: 'a', sshConfigFile: config});
    assert.deepEqual(
      [a.hostKeyChecking, a.knownHostsFiles, a.globalKnownHostsFiles],
      ['accept-new', ['/one', '/two words'], ['/g']],
    );
    assert.throws(
      () => resolveTarget({name: 'b', sshConfigFile: config}),
      (e: unknown) => e instanceof PxeError && e.where.host === 'b',
    );
  });
});
