/**
 * The command line as users and scripts meet it, through bin/pxeprov as a child process against the tests'
 * sshd: one test per row of README's exit-code table, where results and progress go, what the recap says
 * when a host failed, debug and -v output, --profile, and a failed command's output.
 */
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {stringify} from 'yaml';
import type {RunReport} from '../../src/engine/events.js';
import {shellQuote} from '../../src/transport/bootstrap.js';
import {BIN, pxeprov} from '../helpers/cli.js';
import {startSshd, type TestSshd} from '../helpers/sshd.js';

const SECRET = 'Cli-Secret-Passw0rd';

let sshd: TestSshd;
let dir: string;
let target: string;
let env: Record<string, string>;

const inventory = () => join(dir, 'inventory.yaml');
const playbook = (name: string) => join(dir, `${name}.yaml`);

/** `t` is the sshd; `down` listens nowhere. */
function writeInventory(hosts: string[]): void {
  const t = {
    ansible_host: '127.0.0.1',
    ansible_port: sshd.port,
    ansible_user: 'root',
    ansible_ssh_private_key_file: sshd.keys.ed25519,
    pxeprov_known_hosts: sshd.knownHosts,
    pxeprov_state_dir: join(dir, 'state'),
  };
  const all = {t, down: {ansible_host: '127.0.0.1', ansible_port: 1, pxeprov_connect_timeout: 3}} as Record<
    string,
    unknown
  >;
  writeFileSync(
    inventory(),
    stringify({all: {hosts: Object.fromEntries(hosts.map((h) => [h, all[h]])), vars: {app_password: SECRET}}}),
  );
}

function writePlay(name: string, tasks: unknown[], hosts = 'all', extraPlays: unknown[] = []): string {
  writeFileSync(playbook(name), stringify([{name: 'Test', hosts, gather_facts: false, tasks}, ...extraPlays]));
  return playbook(name);
}

before(async () => {
  sshd = await startSshd();
  dir = mkdtempSync(join(tmpdir(), 'pxeprov-cli-'));
  target = join(dir, 'target');
  mkdirSync(target);
  env = {PXEPROV_SSH_CONFIG: join(sshd.dir, 'ssh_config')};
  writeInventory(['t']);
  writePlay('site', [
    {name: 'A file', copy: {content: 'one\n', dest: `${target}/file`}},
    {name: 'Stays', file: {path: target, state: 'directory'}},
  ]);
});

after(async () => {
  await sshd?.stop();
  rmSync(dir, {recursive: true, force: true});
});

describe('exit codes (one test per row of the table in README)', {concurrency: false}, () => {
  it('0: up converged, check found no drift, validate and help succeeded', () => {
    writeInventory(['t']);
    assert.equal(pxeprov(['up', inventory(), '-p', playbook('site')], env).code, 0);
    const check = pxeprov(['check', inventory(), '-p', playbook('site'), '--json'], env);
    assert.equal(check.code, 0);
    assert.equal((check.json as RunReport).drift, false);
    assert.equal(pxeprov(['validate', inventory(), '-p', playbook('site')]).code, 0);
    const help = pxeprov(['help', 'up']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /\$ pxeprov up \[INVENTORY\]/);
  });

  it('1: a host failed or was unreachable (and check never sums that up as "no drift")', () => {
    writeInventory(['t', 'down']);
    for (const args of [['up'], ['check'], ['up', '--check']]) {
      const r = pxeprov([...args, inventory(), '-p', playbook('site')], env);
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.match(
        r.stdout,
        /finished in [\d.]+ s - 1 of 2 host\(s\) failed or unreachable: down; no drift on the other hosts$|finished in [\d.]+ s - 1 of 2 host\(s\) failed or unreachable: down$/m,
      );
      assert.doesNotMatch(r.stdout, / - no drift$/m);
    }
    writeInventory(['down']);
    const alone = pxeprov(['check', inventory(), '-p', playbook('site'), '--json'], env);
    assert.equal(alone.code, 1);
    assert.equal((alone.json as RunReport).hosts[0]!.stats.unreachable, 1);
    const text = pxeprov(['check', inventory(), '-p', playbook('site')], env);
    assert.match(text.stdout, / - 1 of 1 host\(s\) failed or unreachable: down$/m);
    const failing = writePlay('failing', [{name: 'Boom', fail: {msg: 'broken'}}]);
    writeInventory(['t']);
    assert.equal(pxeprov(['check', inventory(), '-p', failing], env).code, 1);
  });

  it('2: drift, from check and up --check only', () => {
    writeInventory(['t']);
    writeFileSync(join(target, 'file'), 'hand edit\n');
    const check = pxeprov(['check', inventory(), '-p', playbook('site'), '--json'], env);
    assert.equal(check.code, 2);
    assert.equal((check.json as RunReport).drift, true);
    assert.ok(!check.stdout.includes(SECRET));
    assert.equal(check.stderr, '', '--json: nothing but the report');
    assert.equal(pxeprov(['up', '--check', inventory(), '-p', playbook('site')], env).code, 2);
    assert.equal(readFileSync(join(target, 'file'), 'utf8'), 'hand edit\n', 'check mode wrote nothing');
    assert.equal(
      pxeprov(['up', inventory(), '-p', playbook('site')], env).code,
      0,
      'up repairs drift and exits 0, never 2',
    );
  });

  const usage: Array<{what: string; args: string[]; says: RegExp}> = [
    {
      what: 'an unknown flag, with the nearest one',
      args: ['check', '--jsn'],
      says: /error\[E_USAGE\]: Nonexistent flag: --jsn\n {2}hint: did you mean '--json'\?/,
    },
    {
      what: 'a bad flag value',
      args: ['check', '--forks', 'abc'],
      says: /error\[E_USAGE\]: .*Expected an integer but received: abc/,
    },
    {
      what: 'a flag without its value',
      args: ['validate', '--limit'],
      says: /error\[E_USAGE\]: Flag --limit expects a value/,
    },
    {
      what: 'an extra argument',
      args: ['up', 'a.yaml', 'b.yaml'],
      says: /error\[E_USAGE\]: Unexpected argument: b\.yaml/,
    },
    {what: 'a missing required flag', args: ['probe'], says: /error\[E_USAGE\]: Missing required flag iface/},
    {
      what: 'an unknown command, with the nearest one',
      args: ['chek'],
      says: /error\[E_USAGE\]: unknown command 'chek'[\s\S]*hint: did you mean 'check'\?/,
    },
    {
      what: 'an unknown command of a topic',
      args: ['lab', 'upp'],
      says: /unknown command 'lab upp'[\s\S]*did you mean 'lab up'\?/,
    },
    {
      what: 'help for an unknown command',
      args: ['help', 'chek'],
      says: /unknown command 'chek'[\s\S]*did you mean 'check'\?/,
    },
    {
      what: 'a missing inventory file',
      args: ['validate', '/nonexistent/inventory.yaml'],
      says: /error\[E_FILE_NOT_FOUND\]/,
    },
  ];
  for (const c of usage) {
    it(`3: invalid input: ${c.what}`, () => {
      const r = pxeprov(c.args);
      assert.equal(r.code, 3, r.stderr);
      assert.match(r.stderr, c.says);
      assert.equal(r.stdout, '');
    });
  }

  it('3: with --json a usage error is JSON on stdout, as the schema says', () => {
    for (const args of [
      ['check', '--jsn', '--json'],
      ['chek', '--json'],
      ['up', '-f', '0', '--json'],
    ]) {
      const r = pxeprov(args);
      assert.equal(r.code, 3, args.join(' '));
      assert.equal((r.json as {errors: Array<{code: string}>}).errors[0]!.code, 'E_USAGE');
      assert.equal(r.stderr, '');
    }
  });

  it('3: inputs found invalid while the hosts connect: the reachable host is not changed, the unreachable one not reported', () => {
    writeInventory(['t', 'down']);
    const broken = writePlay('broken', [
      {name: 'Would write', copy: {content: 'new\n', dest: `${target}/early`}},
      {name: 'Broken', copy: {content: '{{ unclosed', dest: `${target}/other`}},
    ]);
    const state = join(dir, 'state');
    const before = existsSync(state) ? readdirSync(state, {recursive: true}).sort() : [];
    for (const command of ['up', 'check']) {
      const r = pxeprov([command, inventory(), '-p', broken], env);
      assert.equal(r.code, 3, r.stderr);
      assert.match(r.stderr, /error\[E_TEMPLATE\]/);
      assert.doesNotMatch(r.stderr + r.stdout, /E_CONNECT|unreachable|down/);
      assert.equal(r.stdout, '');
    }
    assert.ok(!existsSync(join(target, 'early')));
    assert.deepEqual(existsSync(state) ? readdirSync(state, {recursive: true}).sort() : [], before);
  });
});

describe('output like a tool people pipe', {concurrency: false}, () => {
  it('results on stdout, progress on stderr; ok= counts changed tasks as Ansible does', () => {
    writeInventory(['t']);
    writeFileSync(join(target, 'file'), 'edited\n');
    const r = pxeprov(['up', inventory(), '-p', playbook('site'), '--diff'], env);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^changed: \[t\] A file - content differs$/m);
    assert.match(r.stdout, /^-edited$/m);
    assert.match(r.stdout, /^t +: ok=2 {2}changed=1 {2}unreachable=0 {2}failed=0/m);
    assert.match(r.stderr, /^up: .* on 1 host\(s\): t$/m);
    assert.match(r.stderr, /^t: ok=2 changed=1 \(done in [\d.]+ s\)$/m);
    assert.doesNotMatch(r.stderr, /changed:|PLAY RECAP/);
  });

  it('debug as Ansible shows it, without -v: msg, and var as an expression', () => {
    writeInventory(['t']);
    const play = writePlay('debug', [
      {name: 'Run', command: {argv: ['echo', 'hi there']}, register: 'out', changed_when: false},
      {name: 'Say', debug: {msg: 'hello {{ inventory_hostname }}'}},
      {name: 'Show', debug: {var: 'out.stdout'}},
      {name: 'Missing', debug: {var: 'nothing_here'}},
    ]);
    const r = pxeprov(['up', inventory(), '-p', play], env);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^ok: \[t\] Say => \{\n {4}"msg": "hello t"\n\}$/m);
    assert.match(r.stdout, /^ok: \[t\] Show => \{\n {4}"out.stdout": "hi there"\n\}$/m);
    assert.match(r.stdout, /^ok: \[t\] Missing => \{\n {4}"nothing_here": "VARIABLE IS NOT DEFINED!"\n\}$/m);
    assert.doesNotMatch(r.stdout, /\[t\] Run/, 'an ok task without -v stays quiet');
    const verbose = pxeprov(['up', inventory(), '-p', play, '-v'], env);
    assert.match(verbose.stdout, /^ok: \[t\] Run - .* => \{"rc":0,"stdout":"hi there",.*\}$/m);
  });

  it('a failed command shows the tail of its stdout and stderr, secrets masked', () => {
    writeInventory(['t']);
    const play = writePlay('failcmd', [
      {name: 'Breaks', shell: {cmd: `seq 1 30; echo "pw={{ app_password }}" >&2; exit 4`}},
    ]);
    const r = pxeprov(['up', inventory(), '-p', play], env);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^failed: \[t\] Breaks - non-zero return code 4/m);
    assert.match(r.stdout, /^ {2}stdout \(last 20 of 30 lines\):\n {4}11\n[\s\S]* {4}30\n {2}stderr:\n {4}pw=\*{8}$/m);
    assert.ok(!r.stdout.includes(SECRET) && !r.stderr.includes(SECRET));
    const json = pxeprov(['up', inventory(), '-p', play, '--json'], env);
    const task = (json.json as RunReport).hosts[0]!.tasks[0]!;
    assert.equal(task.result?.rc, 4);
    assert.ok(!json.stdout.includes(SECRET));
  });

  it('--profile: every task with its time, and the slowest tasks at the end', () => {
    writeInventory(['t']);
    const r = pxeprov(['up', inventory(), '-p', playbook('site'), '--profile'], env);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^ok: \[t\] A file - .* \(\d+\.\d\ds\)$/m);
    assert.match(r.stdout, /^ok: \[t\] Stays - .* \(\d+\.\d\ds\)$/m);
    assert.match(r.stdout, /^SLOWEST TASKS \*+\n(?:.+ \[t\] +\d+\.\d\ds\n){2}\nPLAY RECAP/m);
  });

  it('a play whose hosts: matches nothing is a warning, as in Ansible', () => {
    writeInventory(['t']);
    const play = writePlay('nomatch', [{name: 'A file', copy: {content: 'one\n', dest: `${target}/file`}}], 'all', [
      {name: 'Other', hosts: 'webservers', gather_facts: false, tasks: [{debug: {msg: 'x'}}]},
    ]);
    const r = pxeprov(['up', inventory(), '-p', play], env);
    assert.equal(r.code, 0);
    assert.match(r.stderr, /^\[WARNING\]: Could not match supplied host pattern, ignoring: webservers \(play 'Other'/m);
    const json = pxeprov(['check', inventory(), '-p', play, '--json'], env);
    assert.match((json.json as RunReport).warnings[0]!, /ignoring: webservers/);
    assert.match(
      pxeprov(['validate', inventory(), '-p', play]).stderr,
      /^\[WARNING\]: Could not match supplied host pattern, ignoring: webservers/m,
    );
  });

  it('on a terminal a failed host gets a red ✖, a good one a green ✔', () => {
    writeInventory(['t', 'down']);
    const command = `stty cols 200; ${['bin/pxeprov', 'check', inventory(), '-p', playbook('site')].map((a) => `'${a}'`).join(' ')}`;
    const r = spawnSync('script', ['-qec', command, '/dev/null'], {
      encoding: 'utf8',
      env: {...process.env, ...env, CI: '', TERM: 'xterm-256color', FORCE_COLOR: '1'},
    });
    const screen = r.stdout;
    assert.match(screen, /\x1b\[31m✖\x1b\[39m down: ok=0 changed=0 unreachable/);
    assert.match(screen, /\x1b\[32m✔\x1b\[39m t: ok=2 changed=0/);
    assert.doesNotMatch(screen, /✔\S* down/);
  });
});

describe('on a terminal', {concurrency: false}, () => {
  /** bin/pxeprov under `script`: stdin and stderr are a terminal; `input` is what is typed. */
  function onTerminal(args: string[], input: string) {
    const {PXEPROV_KEY_PASSPHRASE: _, ...rest} = process.env;
    return spawnSync('script', ['-qec', [BIN, ...args].map(shellQuote).join(' '), '/dev/null'], {
      input,
      encoding: 'utf8',
      env: {...rest, CI: 'true', ...env},
      timeout: 60_000,
    });
  }

  it("asks an encrypted key's passphrase only once the inputs are valid", () => {
    const inv = join(dir, 'encrypted-key.yaml');
    const host = {
      ansible_host: '127.0.0.1',
      ansible_port: sshd.port,
      ansible_user: 'root',
      ansible_ssh_private_key_file: sshd.keys.encrypted,
      pxeprov_known_hosts: sshd.knownHosts,
      pxeprov_state_dir: join(dir, 'state'),
    };
    writeFileSync(inv, stringify({all: {hosts: {t: host}}}));
    const invalid = writePlay('invalid-arg', [{name: 'Bad', copy: {content: 'x', dest: `${target}/x`, colour: 1}}]);
    const refused = onTerminal(['check', inv, '-p', invalid], `${sshd.passphrase}\n`);
    assert.equal(refused.status, 3, refused.stdout);
    assert.match(refused.stdout, /colour/);
    assert.doesNotMatch(refused.stdout, /Passphrase for/, 'the connection opened meanwhile asked nothing');
    const run = onTerminal(['check', inv, '-p', playbook('site')], `${sshd.passphrase}\n`);
    assert.match(run.stdout, /Passphrase for .*id_encrypted: /);
    assert.ok(run.status === 0 || run.status === 2, run.stdout);
  });
});
