/**
 * An Ansible user's habits through the real command, run from a directory of its own against the tests'
 * sshd: no inventory means no run; -i, ANSIBLE_INVENTORY and ansible.cfg name one; --list-* connect to
 * nothing; -u, --private-key, -b, -K and --start-at-task mean what they mean in ansible-playbook.
 */
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {after, before, beforeEach, describe, it} from 'node:test';
import {stringify} from 'yaml';
import {freePort, hasSudo, startSshd, TEST_USERS, type TestSshd} from '../helpers/sshd.js';

const RUN = resolve('bin/run.js');
let sshd: TestSshd;
let dir: string;
let work: string;
let out: string;

/** The inventory's host, without user or key unless given: the command line and ansible.cfg supply them. */
function inventory(name: string, vars: Record<string, unknown> = {}): string {
  const file = join(dir, name);
  writeFileSync(
    file,
    stringify({
      all: {
        hosts: {
          t: {
            ansible_host: '127.0.0.1',
            ansible_port: sshd.port,
            pxeprov_known_hosts: sshd.knownHosts,
            pxeprov_state_dir: join(dir, 'state'),
            ...vars,
          },
        },
      },
    }),
  );
  return file;
}

function playbook(tasks: unknown[], play: Record<string, unknown> = {}): string {
  const file = join(dir, 'site.yaml');
  writeFileSync(file, stringify([{name: 'Habits', hosts: 'all', gather_facts: false, ...play, tasks}]));
  return file;
}

function cli(args: string[], options: {env?: Record<string, string>; input?: string} = {}) {
  const env: Record<string, string> = {
    PATH: process.env.PATH!,
    HOME: join(dir, 'home'),
    CI: 'true',
    PXEPROV_SSH_CONFIG: join(sshd.dir, 'ssh_config'),
    ...options.env,
  };
  const r = spawnSync('node', [RUN, ...args], {cwd: work, encoding: 'utf8', env, input: options.input ?? ''});
  return {code: r.status, stdout: r.stdout, stderr: r.stderr};
}

before(async () => {
  sshd = await startSshd();
  dir = mkdtempSync(join(tmpdir(), 'pxeprov-habits-'));
  work = join(dir, 'work');
  // Written by the tests' users too, not only by root.
  chmodSync(dir, 0o755);
  mkdirSync(join(dir, 'shared'), {mode: 0o1777});
  chmodSync(join(dir, 'shared'), 0o1777);
  out = join(dir, 'shared', 'out');
  mkdirSync(work);
  mkdirSync(join(dir, 'home'));
});
beforeEach(() => {
  rmSync(out, {force: true});
  rmSync(join(work, 'ansible.cfg'), {force: true});
});
after(async () => {
  await sshd?.stop();
  rmSync(dir, {recursive: true, force: true});
});

describe('no inventory, no run', () => {
  for (const args of [['validate'], ['check'], ['up'], ['up', '--check'], ['inventory', '--list']]) {
    it(`pxeprov ${args.join(' ')} without one exits 3 and says how to give one`, () => {
      const r = cli(args);
      assert.equal(r.code, 3, r.stderr);
      assert.match(r.stderr, /error\[E_USAGE\]: no inventory given/);
      assert.match(r.stderr, /-i INVENTORY, \$PXEPROV_INVENTORY, \$ANSIBLE_INVENTORY, or inventory = in ansible.cfg/);
      assert.doesNotMatch(r.stderr + r.stdout, /192\.0\.2\.10|pxe01/, 'the example inventory is never used');
    });
  }
});

describe('where the inventory comes from', () => {
  it('-i is the same as the argument; both, differing, is a usage error', () => {
    const inv = inventory('inv.yaml');
    const site = playbook([{command: '/bin/true'}]);
    assert.match(
      cli(['validate', '-i', inv, '-p', site]).stdout,
      /^ok: 1 plays, 1 tasks, 0 handlers, 0 roles, 1 hosts$/m,
    );
    const both = cli(['validate', inv, '-i', join(dir, 'other.yaml'), '-p', site]);
    assert.equal(both.code, 3);
    assert.match(both.stderr, /two inventories given/);
  });

  it('ANSIBLE_INVENTORY, then ansible.cfg in the working directory (its unused keys named with their line)', () => {
    const inv = inventory('inv.yaml');
    const site = playbook([{command: '/bin/true'}]);
    assert.equal(cli(['validate', '-p', site], {env: {ANSIBLE_INVENTORY: inv}}).code, 0);
    writeFileSync(join(work, 'ansible.cfg'), `[defaults]\ninventory = ${inv}\nforks = 2\ngathering = smart\n`);
    const r = cli(['validate', '-p', site]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(`^warning: ${join(work, 'ansible.cfg')}:4: \\[defaults\\] gathering is not used by pxeprov$`, 'm'),
    );
  });
});

describe('flags with their ansible-playbook meaning', () => {
  it('--list-hosts, --list-tasks and --list-tags connect to nothing', async () => {
    const closed = await freePort();
    const inv = inventory('closed.yaml', {ansible_port: closed, ansible_user: 'root'});
    const site = playbook([{name: 'Mark', shell: `touch ${out}`, tags: ['mark']}]);
    const r = cli(['up', inv, '-p', site, '--list-hosts', '--list-tasks', '--list-tags']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      `\nplaybook: ${site}\n\n  play #1 (all): Habits\tTAGS: []\n    pattern: ['all']\n    hosts (1):\n      t\n    tasks:\n      Mark\tTAGS: [mark]\n      TASK TAGS: [mark]\n`,
    );
    assert.ok(!existsSync(out));
  });

  it('-u names the user and --private-key the key, below the inventory variables', () => {
    const site = playbook([{shell: `id -un > ${out}`}]);
    const withPassword = inventory('pw.yaml', {ansible_password: TEST_USERS.nopasswd.password});
    const asUser = cli(['up', withPassword, '-p', site, '-u', TEST_USERS.nopasswd.name]);
    assert.equal(asUser.code, 0, asUser.stderr);
    assert.equal(readFileSync(out, 'utf8'), `${TEST_USERS.nopasswd.name}\n`);

    const bare = inventory('bare.yaml');
    assert.equal(cli(['up', bare, '-p', site, '-u', 'root']).code, 1, 'no key anywhere: no login');
    const withKey = cli(['up', bare, '-p', site, '-u', 'root', '--private-key', sshd.keys.ed25519]);
    assert.equal(withKey.code, 0, withKey.stderr);
    assert.equal(readFileSync(out, 'utf8'), 'root\n');

    const inventoryWins = cli([
      'up',
      inventory('root.yaml', {ansible_user: 'root'}),
      '-p',
      site,
      '-u',
      TEST_USERS.nopasswd.name,
      '--private-key',
      sshd.keys.ed25519,
    ]);
    assert.equal(inventoryWins.code, 0, inventoryWins.stderr);
    assert.equal(readFileSync(out, 'utf8'), 'root\n', 'ansible_user wins over -u, as in Ansible');
  });

  it('remote_user and private_key_file from ansible.cfg (the key relative to the file)', () => {
    mkdirSync(join(work, 'keys'), {recursive: true});
    writeFileSync(join(work, 'keys', 'id'), readFileSync(sshd.keys.ed25519), {mode: 0o600});
    writeFileSync(join(work, 'ansible.cfg'), '[defaults]\nremote_user = root\nprivate_key_file = keys/id\n');
    const r = cli(['up', inventory('bare.yaml'), '-p', playbook([{shell: `id -un > ${out}`}])]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(out, 'utf8'), 'root\n');
  });

  it('-b -K: sudo with the password asked for, which shows nowhere', {skip: !hasSudo() && 'no sudo'}, () => {
    const {name, password} = TEST_USERS.passwd;
    const inv = inventory('pw.yaml', {ansible_password: password});
    const site = playbook([{shell: `id -un > ${out}`}]);
    const r = cli(['up', inv, '-p', site, '-u', name, '-b', '-K', '-v'], {input: `${password}\n`});
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(out, 'utf8'), 'root\n');
    assert.ok(!(r.stdout + r.stderr).includes(password));
    const without = cli(['up', inv, '-p', site, '-u', name, '-b']);
    assert.equal(without.code, 1, 'sudo needs the password -K gives');
  });

  it(
    'connection variables are templates: login and sudo passwords from one vaulted variable, shown nowhere',
    {skip: !hasSudo() && 'no sudo'},
    () => {
      const {name, password} = TEST_USERS.passwd;
      const vaultPassword = join(dir, 'vault-password');
      writeFileSync(vaultPassword, 'vault-test-password\n', {mode: 0o600});
      const encrypted = cli([
        'vault',
        'encrypt-string',
        '--vault-password-file',
        vaultPassword,
        '--name',
        'vault_login_password',
        '--',
        password,
      ]);
      assert.equal(encrypted.code, 0, encrypted.stderr);
      const base = readFileSync(
        inventory('templated.yaml', {
          ansible_user: name,
          ansible_password: '{{ vault_login_password }}',
          ansible_become_password: '{{ vault_login_password }}',
        }),
        'utf8',
      );
      const inv = join(dir, 'templated.yaml');
      writeFileSync(
        inv,
        base.replace(
          /^( {6})ansible_user:/m,
          `${encrypted.stdout.trimEnd().replace(/^/gm, '      ')}\n$1ansible_user:`,
        ),
      );
      const site = playbook([{shell: `id -un > ${out}`}]);
      const r = cli(['up', inv, '-p', site, '-b', '--vault-password-file', vaultPassword, '-v']);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.equal(readFileSync(out, 'utf8'), 'root\n');
      assert.ok(!(r.stdout + r.stderr).includes(password));
      const missing = cli([
        'up',
        inventory('missing.yaml', {ansible_user: name, ansible_become_password: '{{ vault_nowhere }}'}),
        '-p',
        site,
      ]);
      assert.equal(missing.code, 3, missing.stdout + missing.stderr);
      assert.match(missing.stderr, /ansible_become_password: 'vault_nowhere' is undefined/);
    },
  );

  it(
    '-b is sudo unless the play says become: false (a keyword wins over the command line, as in Ansible)',
    {skip: !hasSudo() && 'no sudo'},
    () => {
      const inv = inventory('pw.yaml', {ansible_password: TEST_USERS.nopasswd.password});
      const become = cli([
        'up',
        inv,
        '-p',
        playbook([{shell: `id -un > ${out}`}]),
        '-u',
        TEST_USERS.nopasswd.name,
        '-b',
      ]);
      assert.equal(become.code, 0, become.stderr);
      assert.equal(readFileSync(out, 'utf8'), 'root\n');
      rmSync(out);
      const play = cli([
        'up',
        inv,
        '-p',
        playbook([{shell: `id -un > ${out}`}], {become: false}),
        '-u',
        TEST_USERS.nopasswd.name,
        '-b',
      ]);
      assert.equal(play.code, 0, play.stderr);
      assert.equal(readFileSync(out, 'utf8'), `${TEST_USERS.nopasswd.name}\n`);
    },
  );

  it('--start-at-task skips the tasks before the one named', () => {
    const mark = (name: string) => ({name, shell: `echo ${name} >> ${out}`});
    const site = playbook([mark('one'), mark('two'), mark('three')]);
    const r = cli([
      'up',
      inventory('root.yaml', {ansible_user: 'root', ansible_ssh_private_key_file: sshd.keys.ed25519}),
      '-p',
      site,
      '--start-at-task',
      'two',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(out, 'utf8'), 'two\nthree\n');
  });
});
