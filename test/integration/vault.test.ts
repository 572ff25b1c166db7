/**
 * Vault against the real ansible-vault, both ways: it encrypts (files, encrypt_string, vault-id labels,
 * executable and -client password scripts) and pxeprov decrypts; pxeprov encrypts and it decrypts. Then a
 * playbook with vaulted variables against the tests' sshd: the target gets the plaintext, --diff and --json
 * output never show it; wrong passwords and tampered files exit 3 naming the file; the parse cache holds
 * no plaintext; --ask-vault-pass reads the terminal with echo off.
 */
import assert from 'node:assert/strict';
import {execFileSync, spawn, spawnSync} from 'node:child_process';
import {chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {stringify} from 'yaml';
import {startSshd, type TestSshd} from '../helpers/sshd.js';

const PXEPROV = resolve('bin/pxeprov');
const DB_SECRET = 'db-Secret-from-vault-file';
const INLINE_SECRET = 'inline Secret from encrypt_string';
const EXTRA_SECRET = 'extra-vars-Secret-from-vault';
const LABELED_SECRET = 'prod-labeled-Secret';
const TEMPLATE_SECRET = 'static-Secret-line-of-a-vaulted-template';
const COPY_SECRET = 'copied-Secret-file-content';

let dir: string;
let cache: string;
let sshd: TestSshd;

function cli(args: string[], options: {env?: Record<string, string>; input?: string; cwd?: string} = {}) {
  const r = spawnSync(PXEPROV, args, {
    encoding: 'utf8',
    cwd: options.cwd ?? dir,
    input: options.input,
    env: {...process.env, XDG_CACHE_HOME: cache, CI: 'true', ...options.env},
  });
  return {code: r.status, stdout: r.stdout, stderr: r.stderr, all: r.stdout + r.stderr};
}

function ansible(command: string, args: string[], input?: string): string {
  return execFileSync(command, args, {
    cwd: dir,
    encoding: 'utf8',
    input,
    env: {...process.env, ANSIBLE_NOCOLOR: '1'},
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

function file(name: string, text: string, mode = 0o600): string {
  const path = join(dir, name);
  mkdirSync(join(path, '..'), {recursive: true});
  writeFileSync(path, text);
  chmodSync(path, mode);
  return path;
}

/** Every file under the cache, read whole. */
function cacheText(): string {
  const walk = (d: string): string[] =>
    readdirSync(d, {withFileTypes: true}).flatMap((e) =>
      e.isDirectory() ? walk(join(d, e.name)) : [readFileSync(join(d, e.name), 'latin1')],
    );
  return walk(cache).join('\n');
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pxeprov-vault-'));
  cache = join(dir, 'cache');
  file('pw', 'default-password\n');
  file('prod-pw', 'prod-password\n');
  file('pw-script.sh', '#!/bin/sh\necho default-password\n', 0o700);
  file('vault-client.sh', '#!/bin/sh\n[ "$1 $2" = "--vault-id prod" ] && echo prod-password || exit 2\n', 0o700);
  sshd = await startSshd();
});

after(async () => {
  await sshd?.stop();
  rmSync(dir, {recursive: true, force: true});
});

describe('ansible-vault encrypts, pxeprov decrypts', () => {
  before(() => {
    file('plain.yml', `db_password: ${DB_SECRET}\n`);
    ansible('ansible-vault', ['encrypt', '--vault-password-file', 'pw', '--output', 'v11.yml', 'plain.yml']);
    ansible('ansible-vault', ['encrypt', '--vault-id', 'prod@prod-pw', '--output', 'v12.yml', 'plain.yml']);
  });

  it('a whole file, a 1.2 file with a label, through a password script and a -client script', () => {
    assert.match(readFileSync(join(dir, 'v12.yml'), 'utf8'), /^\$ANSIBLE_VAULT;1\.2;AES256;prod\n/);
    for (const [args, vault] of [
      [['--vault-password-file', 'pw'], 'v11.yml'],
      [['--vault-password-file', 'pw-script.sh'], 'v11.yml'],
      [['--vault-id', 'default@pw', '--vault-id', 'prod@prod-pw'], 'v12.yml'],
      [['--vault-id', 'prod@vault-client.sh'], 'v12.yml'],
    ] as const) {
      const r = cli(['vault', 'view', vault, ...args]);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stdout, `db_password: ${DB_SECRET}\n`);
    }
  });

  it('decrypt in place keeps the mode; to --output a new file is 0600', () => {
    ansible('ansible-vault', ['encrypt', '--vault-password-file', 'pw', '--output', 'inplace.yml', 'plain.yml']);
    chmodSync(join(dir, 'inplace.yml'), 0o664); // wider than the umask allows a new file
    assert.equal(cli(['vault', 'decrypt', 'inplace.yml', '--vault-password-file', 'pw']).code, 0);
    assert.equal(readFileSync(join(dir, 'inplace.yml'), 'utf8'), `db_password: ${DB_SECRET}\n`);
    assert.equal(statSync(join(dir, 'inplace.yml')).mode & 0o777, 0o664);
    assert.equal(
      cli(['vault', 'decrypt', 'v11.yml', '--output', 'new-plain.yml', '--vault-password-file', 'pw']).code,
      0,
    );
    assert.equal(statSync(join(dir, 'new-plain.yml')).mode & 0o777, 0o600);
    assert.ok(
      readFileSync(join(dir, 'v11.yml'), 'utf8').startsWith('$ANSIBLE_VAULT;1.1;AES256\n'),
      'the input stays encrypted',
    );
  });
});

describe('pxeprov encrypts, ansible-vault decrypts', () => {
  it('files, with and without a vault-id label, from stdin too', () => {
    file('mine.yml', 'token: abc\n', 0o644);
    assert.equal(cli(['vault', 'encrypt', 'mine.yml', '--vault-id', 'prod@prod-pw']).code, 0);
    assert.match(readFileSync(join(dir, 'mine.yml'), 'utf8'), /^\$ANSIBLE_VAULT;1\.2;AES256;prod\n/);
    assert.equal(statSync(join(dir, 'mine.yml')).mode & 0o777, 0o644, 'in place keeps the mode');
    assert.equal(ansible('ansible-vault', ['view', '--vault-id', 'prod@prod-pw', 'mine.yml']), 'token: abc\n');
    const piped = cli(['vault', 'encrypt', '--vault-password-file', 'pw'], {input: 'from: stdin\n'});
    assert.equal(piped.code, 0, piped.stderr);
    assert.equal(
      ansible('ansible-vault', ['decrypt', '--vault-password-file', 'pw', '--output', '-', '-'], piped.stdout),
      'from: stdin\n',
    );
    const again = cli(['vault', 'encrypt', 'mine.yml', '--vault-password-file', 'pw']);
    assert.equal(again.code, 3);
    assert.match(again.stderr, /mine\.yml is already vault-encrypted/);
  });

  it('encrypt-string blocks, named, from arguments and stdin', () => {
    const args = cli([
      'vault',
      'encrypt-string',
      '--vault-password-file',
      'pw',
      '--name',
      'first',
      'value one',
      '--name',
      'second',
      'value two',
    ]);
    assert.equal(args.code, 0, args.stderr);
    const stdin = cli(['vault', 'encrypt-string', '--vault-id', 'prod@prod-pw', '--stdin-name', 'third'], {
      input: 'value three',
    });
    assert.equal(stdin.code, 0, stdin.stderr);
    assert.match(stdin.stdout, /^third: !vault \|\n {10}\$ANSIBLE_VAULT;1\.2;AES256;prod\n/);
    file('strings.yml', args.stdout + stdin.stdout);
    const out = ansible('ansible', [
      'localhost',
      '-m',
      'debug',
      '-a',
      'msg={{ first }}|{{ second }}|{{ third }}',
      '-e',
      '@strings.yml',
      '--vault-password-file',
      'pw',
      '--vault-id',
      'prod@prod-pw',
    ]);
    assert.match(out, /"msg": "value one\|value two\|value three"/);
  });
});

describe("a playbook with vaulted variables, on the tests' sshd", () => {
  const target = () => join(dir, 'target');
  before(() => {
    mkdirSync(target(), {recursive: true});
    const inline = ansible('ansible-vault', [
      'encrypt_string',
      '--vault-password-file',
      'pw',
      '--name',
      'motd_line',
      INLINE_SECRET,
    ]);
    file(
      'play/inventory.yml',
      `${stringify({
        all: {
          hosts: {
            t: {
              ansible_host: '127.0.0.1',
              ansible_port: sshd.port,
              ansible_user: 'root',
              ansible_ssh_private_key_file: sshd.keys.ed25519,
              pxeprov_known_hosts: sshd.knownHosts,
              pxeprov_state_dir: join(dir, 'state'),
            },
          },
        },
      })}`,
    );
    file('play/group_vars/all/plain.yml', `${inline}\n`);
    file('play/group_vars/all/vault.yml', `app_setting: ${DB_SECRET}\n`);
    ansible('ansible-vault', ['encrypt', '--vault-password-file', 'pw', 'play/group_vars/all/vault.yml']);
    file('play/labeled.yml', `labeled_value: ${LABELED_SECRET}\n`);
    ansible('ansible-vault', ['encrypt', '--vault-id', 'prod@prod-pw', 'play/labeled.yml']);
    file('play/extra.yml', `extra_value: ${EXTRA_SECRET}\n`);
    ansible('ansible-vault', ['encrypt', '--vault-password-file', 'pw', 'play/extra.yml']);
    file(
      'play/templates/app.conf.j2',
      'setting={{ app_setting }}\nmotd={{ motd_line }}\nlabeled={{ labeled_value }}\nextra={{ extra_value }}\n',
    );
    file('play/templates/secret.conf.j2', `${TEMPLATE_SECRET}\nsetting={{ app_setting }}\n`);
    ansible('ansible-vault', ['encrypt', '--vault-password-file', 'pw', 'play/templates/secret.conf.j2']);
    file('play/files/blob.txt', `${COPY_SECRET}\n`);
    ansible('ansible-vault', ['encrypt', '--vault-password-file', 'pw', 'play/files/blob.txt']);
    file(
      'play/site.yml',
      stringify([
        {
          hosts: 'all',
          gather_facts: false,
          vars_files: ['labeled.yml'],
          tasks: [
            {name: 'Config from vaulted variables', template: {src: 'app.conf.j2', dest: '{{ root }}/app.conf'}},
            {name: 'A vaulted template', template: {src: 'secret.conf.j2', dest: '{{ root }}/secret.conf'}},
            {name: 'A vaulted file', copy: {src: 'blob.txt', dest: '{{ root }}/blob.txt'}},
            {name: 'Show one', debug: {var: 'motd_line'}},
            {name: 'Loop over secrets', debug: {msg: 'item seen'}, loop: ['{{ app_setting }}', '{{ motd_line }}']},
          ],
        },
      ]),
    );
  });

  const run = (command: string, extra: string[] = [], env: Record<string, string> = {}) =>
    cli(
      [
        command,
        'play/inventory.yml',
        '-p',
        'play/site.yml',
        '-e',
        `root=${target()}`,
        '-e',
        '@play/extra.yml',
        ...extra,
      ],
      {env: {PXEPROV_SSH_CONFIG: join(sshd.dir, 'ssh_config'), ...env}},
    );
  const secrets = [DB_SECRET, INLINE_SECRET, LABELED_SECRET, EXTRA_SECRET, TEMPLATE_SECRET, COPY_SECRET];
  const assertNoPlaintext = (text: string) => {
    for (const s of secrets) assert.ok(!text.includes(s), `plaintext "${s}" in output:\n${text}`);
  };

  it('up --diff --json: the target gets the plaintext, the output only ********', () => {
    const r = run('up', ['--diff', '--json', '--vault-password-file', 'pw', '--vault-id', 'prod@vault-client.sh']);
    assert.equal(r.code, 0, r.all);
    assert.equal(
      readFileSync(join(target(), 'app.conf'), 'utf8'),
      `setting=${DB_SECRET}\nmotd=${INLINE_SECRET}\nlabeled=${LABELED_SECRET}\nextra=${EXTRA_SECRET}\n`,
    );
    assert.equal(readFileSync(join(target(), 'secret.conf'), 'utf8'), `${TEMPLATE_SECRET}\nsetting=${DB_SECRET}\n`);
    assert.equal(readFileSync(join(target(), 'blob.txt'), 'utf8'), `${COPY_SECRET}\n`);
    assertNoPlaintext(r.all);
    assert.match(r.stdout, /\+setting=\*{8}/);
  });

  it('check and up --diff as text, after a hand edit: no plaintext either', () => {
    for (const name of ['app.conf', 'secret.conf', 'blob.txt']) writeFileSync(join(target(), name), 'hand edit\n');
    const env = {
      ANSIBLE_VAULT_PASSWORD_FILE: join(dir, 'pw'),
      ANSIBLE_VAULT_IDENTITY_LIST: `prod@${join(dir, 'prod-pw')}`,
    };
    const check = run('check', ['-v'], env);
    assert.equal(check.code, 2, check.all);
    assertNoPlaintext(check.all);
    assert.match(check.all, /^\+motd=\*{8}$/m);
    const up = run('up', ['--diff', '-v'], env);
    assert.equal(up.code, 0, up.all);
    assertNoPlaintext(up.all);
  });

  it('inventory --list masks decrypted values whatever their names', () => {
    const r = cli(['inventory', 'play/inventory.yml', '--list', '--vault-password-file', 'pw']);
    assert.equal(r.code, 0, r.all);
    assertNoPlaintext(r.all);
    assert.match(r.stdout, /"motd_line": "\*{8}"/);
    assert.match(r.stdout, /"app_setting": "\*{8}"/);
  });

  it('the parse cache holds no plaintext, and still caches the plain files', () => {
    rmSync(cache, {recursive: true, force: true});
    const r = run('validate', ['--vault-password-file', 'pw', '--vault-id', 'prod@prod-pw']);
    assert.equal(r.code, 0, r.all);
    const cached = cacheText();
    assert.match(cached, /ansible_host/, 'the plain inventory is cached');
    assertNoPlaintext(cached);
  });

  it('no password: exit 3 naming the file and the flags', () => {
    const r = run('validate');
    assert.equal(r.code, 3);
    assert.match(
      r.stderr,
      /error\[E_VAULT\] .*play\/group_vars\/all\/plain\.yml:1:\d+: vault-encrypted content but no vault password was given/,
    );
    assert.match(r.stderr, /hint: give --vault-password-file FILE, --vault-id \[LABEL@\]SOURCE or --ask-vault-pass/);
  });

  it('a wrong password: exit 3 naming each file (and the line of an inline value), no plaintext, no stack trace', () => {
    file('wrong-pw', 'not-it\n');
    const r = run('check', ['--vault-password-file', 'wrong-pw', '--vault-id', 'prod@prod-pw']);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /error\[E_VAULT\] .*plain\.yml:1:\d+: no vault password given decrypts this vault/);
    assert.match(
      r.stderr,
      /error\[E_VAULT\] .*group_vars\/all\/vault\.yml: no vault password given decrypts this vault/,
    );
    assert.match(r.stderr, /error\[E_VAULT\] .*extra\.yml: no vault password given/);
    assert.doesNotMatch(r.stderr, /^\s+at /m);
    assertNoPlaintext(r.all);
  });

  it('a tampered file: exit 3 (HMAC mismatch), JSON errors name the file', () => {
    const path = join(dir, 'play/labeled.yml');
    const good = readFileSync(path, 'utf8');
    try {
      const lines = good.split('\n');
      const inner = Buffer.from(lines.slice(1).join(''), 'hex').toString('latin1').split('\n');
      inner[2] = inner[2]!.replace(/.$/, (c) => (c === 'a' ? 'b' : 'a'));
      writeFileSync(path, `${lines[0]}\n${Buffer.from(inner.join('\n'), 'latin1').toString('hex')}\n`);
      const r = run('validate', ['--vault-password-file', 'pw', '--vault-id', 'prod@prod-pw', '--json']);
      assert.equal(r.code, 3);
      const {errors} = JSON.parse(r.stdout) as {errors: Array<{code: string; message: string; where: {file: string}}>};
      assert.deepEqual(
        errors.map((e) => [e.code, e.where.file]),
        [['E_VAULT', join(dir, 'play/labeled.yml')]],
      );
      assert.match(errors[0]!.message, /HMAC mismatch/);
    } finally {
      writeFileSync(path, good);
    }
  });

  /** Runs pxeprov under a pseudo-terminal, typing each answer once its prompt has appeared. */
  async function onTerminal(args: string, answers: string[]): Promise<{code: number | null; out: string}> {
    const child = spawn('script', ['-qec', `${PXEPROV} ${args}`, '/dev/null'], {
      cwd: dir,
      env: {...process.env, XDG_CACHE_HOME: cache},
    });
    let out = '';
    let answered = 0;
    const code = new Promise<number | null>((res) => child.on('close', res));
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const prompts = out.match(/password(?: \([^)]*\))?: /gi)?.length ?? 0;
      if (prompts > answered && answered < answers.length) child.stdin.write(`${answers[answered++]}\r`);
    });
    return {code: await code, out};
  }

  it('--ask-vault-pass reads the terminal, echo off', async () => {
    file('prompted.yml', 'asked: yes\n');
    ansible('ansible-vault', ['encrypt', '--vault-password-file', 'pw', 'prompted.yml']);
    const {code, out} = await onTerminal('vault view prompted.yml --ask-vault-pass', ['default-password']);
    assert.equal(code, 0, out);
    assert.match(out, /^Vault password: /m);
    assert.match(out, /asked: yes/);
    assert.ok(!out.includes('default-password'), 'the password is not echoed');
  });

  it('encrypting asks for the new password twice, as ansible-vault does', async () => {
    file('to-encrypt.yml', 'typed: twice\n');
    const {code, out} = await onTerminal('vault encrypt to-encrypt.yml --vault-id prod@prompt', [
      'prod-password',
      'prod-password',
    ]);
    assert.equal(code, 0, out);
    assert.match(out, /New vault password \(prod\): [^]*Confirm new vault password \(prod\): /);
    assert.equal(ansible('ansible-vault', ['view', '--vault-id', 'prod@prod-pw', 'to-encrypt.yml']), 'typed: twice\n');
    const mismatch = await onTerminal('vault encrypt to-encrypt.yml --ask-vault-pass', ['one', 'two']);
    assert.equal(mismatch.code, 3);
    assert.match(mismatch.out, /the two passwords typed do not match/);
  });
});

describe('the example inventory', () => {
  it('validates with its demo password file, and names the flags without it', () => {
    const repo = resolve('.');
    // The example's ISO is a placeholder: validate checks that a local ISO exists, so stand one in.
    const iso = join(mkdtempSync(join(tmpdir(), 'pxeprov-example-iso-')), 'centos7.iso');
    writeFileSync(iso, '');
    const media = JSON.stringify({media_isos: [{name: 'centos7', iso}]});
    const ok = cli(
      [
        'validate',
        'inventory/example.yaml',
        '-e',
        media,
        '--vault-password-file',
        'inventory/example-vault-password.txt',
      ],
      {cwd: repo},
    );
    assert.equal(ok.code, 0, ok.all);
    const missing = cli(['validate', 'inventory/example.yaml', '-e', media], {
      cwd: repo,
      env: {ANSIBLE_VAULT_PASSWORD_FILE: ''},
    });
    assert.equal(missing.code, 3);
    assert.match(missing.stderr, /example\.yaml:\d+:\d+: vault-encrypted content but no vault password was given/);
  });
});
