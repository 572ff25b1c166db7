/**
 * pxeprov as a package: `npm pack` (its prepack builds), installed with `npm install -g` into a clean prefix,
 * then run from a directory of its own. It finds its own playbook and roles; a user's roles (beside the
 * playbook, or on roles_path) win over the shipped ones; relative paths in the inventory (a key file,
 * known_hosts, media_isos[].iso) are relative to the inventory. One install for the whole file.
 */
import assert from 'node:assert/strict';
import {execFileSync, spawnSync} from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {stringify} from 'yaml';
import {startSshd, type TestSshd} from '../helpers/sshd.js';

let sshd: TestSshd;
let dir: string;
let site: string;
let bin: string;
let elsewhere: string;

function pxeprov(args: string[], env: Record<string, string> = {}) {
  // The example's root password is vaulted with its demo password file, copied beside it.
  const vaultPassword = join(site, 'example-vault-password.txt');
  if (existsSync(vaultPassword)) env = {ANSIBLE_VAULT_PASSWORD_FILE: vaultPassword, ...env};
  const r = spawnSync(bin, args, {
    cwd: elsewhere,
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH!,
      HOME: join(dir, 'home'),
      CI: 'true',
      PXEPROV_SSH_CONFIG: join(sshd.dir, 'ssh_config'),
      ...env,
    },
  });
  return {code: r.status, stdout: r.stdout, stderr: r.stderr};
}

/** An inventory beside its own key and known_hosts, named relatively. */
function writeInventory(vars: Record<string, unknown> = {}): string {
  const file = join(site, 'inv.yaml');
  const host = {
    ansible_host: '127.0.0.1',
    ansible_port: sshd.port,
    ansible_user: 'root',
    ansible_ssh_private_key_file: 'keys/id',
    pxeprov_known_hosts: 'keys/known_hosts',
    pxeprov_state_dir: join(dir, 'state'),
    ...vars,
  };
  writeFileSync(file, stringify({all: {children: {pxe_servers: {hosts: {t: host}}}}}));
  return file;
}

function role(root: string, name: string, marker: string): void {
  mkdirSync(join(root, name, 'tasks'), {recursive: true});
  writeFileSync(
    join(root, name, 'tasks', 'main.yaml'),
    stringify([{name: `${name} of the user`, copy: {content: `${name}\n`, dest: marker}}]),
  );
}

before(async () => {
  sshd = await startSshd();
  dir = mkdtempSync(join(tmpdir(), 'pxeprov-package-'));
  site = join(dir, 'site');
  elsewhere = join(dir, 'elsewhere');
  for (const d of [join(site, 'keys'), elsewhere, join(dir, 'home')]) mkdirSync(d, {recursive: true});
  copyFileSync(sshd.keys.ed25519, join(site, 'keys', 'id'));
  copyFileSync(sshd.knownHosts, join(site, 'keys', 'known_hosts'));
  execFileSync('npm', ['pack', '--pack-destination', dir], {cwd: resolve('.'), stdio: 'pipe'});
  const tarball = readdirSync(dir).find((n) => /^pxeprov-.*\.tgz$/.test(n))!;
  execFileSync(
    'npm',
    [
      'install',
      '-g',
      join(dir, tarball),
      '--prefix',
      join(dir, 'prefix'),
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
    ],
    {cwd: dir, stdio: 'pipe'},
  );
  bin = join(dir, 'prefix', 'bin', 'pxeprov');
});
after(async () => {
  await sshd?.stop();
  rmSync(dir, {recursive: true, force: true});
});

describe('pxeprov installed from its packed tarball', () => {
  it('validate uses the shipped playbook and its 9 roles from any directory', () => {
    const r = pxeprov(['validate', copyExample()]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ok: 1 plays, \d+ tasks, \d+ handlers, 9 roles, 1 hosts$/m);
  });

  it('--list-tasks lists the shipped roles, from the installed playbook', () => {
    const r = pxeprov(['up', copyExample(), '--list-tasks']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      new RegExp(`^playbook: ${join(dir, 'prefix')}/lib/node_modules/pxeprov/playbooks/pxe-server.yaml$`, 'm'),
    );
    assert.match(r.stdout, /^ {6}common : /m);
  });

  it("a user's roles win over the shipped ones: beside the playbook, then on roles_path; key and known_hosts relative to the inventory", () => {
    role(join(site, 'roles'), 'tftp', join(dir, 'tftp.marker'));
    role(join(dir, 'shared-roles'), 'nfs', join(dir, 'nfs.marker'));
    writeFileSync(
      join(site, 'site.yaml'),
      stringify([{name: 'Mine', hosts: 'all', gather_facts: false, roles: ['tftp', 'nfs']}]),
    );
    const r = pxeprov(['up', writeInventory(), '-p', join(site, 'site.yaml')], {
      ANSIBLE_ROLES_PATH: join(dir, 'shared-roles'),
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(join(dir, 'tftp.marker'), 'utf8'), 'tftp\n');
    assert.equal(readFileSync(join(dir, 'nfs.marker'), 'utf8'), 'nfs\n');
  });

  it('a relative media_isos[].iso is looked up beside the inventory, not in the shipped role', () => {
    // A missing ISO is an input error before anything is contacted, and it names where it was looked for.
    const inventory = writeInventory({media_isos: [{name: 'os', iso: 'isos/os.iso'}]});
    const r = pxeprov(['check', inventory, '--json']);
    assert.equal(r.code, 3, r.stderr + r.stdout);
    const {errors} = JSON.parse(r.stdout) as {errors: {code: string; expected?: string}[]};
    assert.equal(errors[0]!.code, 'E_VARS');
    assert.equal(errors[0]!.expected, `one of: ${join(site, 'isos', 'os.iso')}`);
  });
});

/** The documented example, copied next to the user's files. */
function copyExample(): string {
  const file = join(site, 'example.yaml');
  copyFileSync(join(dir, 'prefix', 'lib', 'node_modules', 'pxeprov', 'inventory', 'example.yaml'), file);
  copyFileSync(
    join(dir, 'prefix', 'lib', 'node_modules', 'pxeprov', 'inventory', 'example-vault-password.txt'),
    join(site, 'example-vault-password.txt'),
  );
  // Its ISO is a placeholder name: validate checks that a local ISO exists, so stand one in beside it.
  mkdirSync(join(site, 'isos'), {recursive: true});
  writeFileSync(join(site, 'isos', 'CentOS-7-x86_64-DVD-2009.iso'), '');
  return file;
}
