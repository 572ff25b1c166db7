/**
 * The engine against a real sshd on 127.0.0.1: file, copy, template, lineinfile, blockinfile, command and
 * handlers on a real file system, where a second run touches nothing (not an mtime or an inode) and check
 * mode never writes, and the CLI. The engine's logic is tested on fake hosts (test/unit/engine-*.test.ts).
 * Targets live under a temp root; the "hosts" are inventory names for the same sshd.
 */
import assert from 'node:assert/strict';
import {existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {stringify} from 'yaml';
import {converge} from '../../src/engine/converge.js';
import type {EngineEvent, RunReport} from '../../src/engine/events.js';
import {exitCodeOf} from '../../src/engine/events.js';
import {assertPublishedJson, pxeprov} from '../helpers/cli.js';
import {startSshd, type TestSshd} from '../helpers/sshd.js';

const SECRET = 'Sup3r-Secret-Passw0rd';

let sshd: TestSshd;
let dir: string;
let target: string;

function writeProject(hosts: Record<string, Record<string, unknown>>): void {
  const common = {
    ansible_host: '127.0.0.1',
    ansible_port: sshd.port,
    ansible_user: 'root',
    ansible_ssh_private_key_file: sshd.keys.ed25519,
    pxeprov_known_hosts: sshd.knownHosts,
  };
  // Every inventory name is the same machine: each gets its own state directory.
  const entries = Object.entries(hosts).map(([name, vars]) => [
    name,
    {...common, pxeprov_state_dir: join(dir, 'state', name), ...vars},
  ]);
  writeFileSync(
    join(dir, 'inventory.yaml'),
    stringify({all: {children: {web: {hosts: Object.fromEntries(entries)}}, vars: {db_password: SECRET}}}),
  );
}

/** Every path under the target with kind, mode, size, mtime and inode: a second run must not change one. */
function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (path: string) => {
    const s = lstatSync(path, {bigint: true});
    out[path] = `${s.mode}:${s.size}:${s.mtimeNs}:${s.ino}:${s.uid}:${s.gid}`;
    if (s.isDirectory()) for (const name of readdirSync(path)) walk(join(path, name));
  };
  if (existsSync(root)) walk(root);
  return out;
}

async function run(
  check: boolean,
  extra: Partial<Parameters<typeof converge>[0]> = {},
): Promise<{report: RunReport; events: EngineEvent[]}> {
  const events: EngineEvent[] = [];
  const report = await converge({
    inventory: join(dir, 'inventory.yaml'),
    playbook: join(dir, 'site.yaml'),
    tags: [],
    skipTags: [],
    extraVars: [`root=${target}`],
    forks: 5,
    check,
    emit: (e) => events.push(e),
    ...extra,
  });
  assertPublishedJson(['up'], JSON.stringify(report), 0);
  return {report, events};
}

before(async () => {
  sshd = await startSshd();
  dir = mkdtempSync(join(tmpdir(), 'pxeprov-engine-'));
  target = join(dir, 'target');
  process.env.PXEPROV_SSH_CONFIG = join(sshd.dir, 'ssh_config');
  mkdirSync(join(dir, 'roles/web/tasks'), {recursive: true});
  mkdirSync(join(dir, 'roles/web/handlers'), {recursive: true});
  mkdirSync(join(dir, 'roles/web/templates'), {recursive: true});
  mkdirSync(join(dir, 'roles/web/files'), {recursive: true});
  mkdirSync(join(dir, 'roles/web/defaults'), {recursive: true});
  writeFileSync(join(dir, 'roles/web/defaults/main.yaml'), stringify({greeting: 'hello', ports: [80, 8080]}));
  writeFileSync(
    join(dir, 'roles/web/templates/app.conf.j2'),
    '# {{ inventory_hostname }}\ngreeting={{ greeting }}\n{% for p in ports %}listen {{ p }}\n{% endfor %}password={{ db_password }}\n',
  );
  writeFileSync(join(dir, 'roles/web/files/static.txt'), 'static content\n');
  writeFileSync(
    join(dir, 'roles/web/tasks/main.yaml'),
    stringify([
      {name: 'Root directory', file: {path: '{{ root }}/{{ inventory_hostname }}', state: 'directory', mode: '0755'}},
      {
        name: 'Config from a template',
        template: {src: 'app.conf.j2', dest: '{{ root }}/{{ inventory_hostname }}/app.conf', mode: '0640'},
        notify: 'restart app',
      },
      {name: 'A static file', copy: {src: 'static.txt', dest: '{{ root }}/{{ inventory_hostname }}/static.txt'}},
      {
        name: 'Literal content',
        copy: {content: 'a\nb\n', dest: '{{ root }}/{{ inventory_hostname }}/literal', mode: '0600'},
      },
      {
        name: 'A line',
        lineinfile: {path: '{{ root }}/{{ inventory_hostname }}/lines', regexp: '^b', line: 'b=2', create: true},
      },
      {
        name: 'A block',
        blockinfile: {path: '{{ root }}/{{ inventory_hostname }}/block', block: 'x=1\ny=2', create: true},
        notify: 'restart app',
      },
      {name: 'A link', file: {path: '{{ root }}/{{ inventory_hostname }}/link', src: 'static.txt', state: 'link'}},
      {
        name: 'Once',
        command: {
          argv: ['touch', '{{ root }}/{{ inventory_hostname }}/once'],
          creates: '{{ root }}/{{ inventory_hostname }}/once',
        },
      },
      {
        name: 'Per item',
        copy: {content: '{{ item }}\n', dest: '{{ root }}/{{ inventory_hostname }}/item-{{ item }}'},
        loop: ['a', 'b'],
      },
      {name: 'Skipped', copy: {content: 'x', dest: '{{ root }}/never'}, when: 'greeting == "bye"'},
    ]),
  );
  writeFileSync(
    join(dir, 'roles/web/handlers/main.yaml'),
    stringify([{name: 'restart app', shell: {cmd: 'echo restarted >> {{ root }}/{{ inventory_hostname }}.restarts'}}]),
  );
  writeFileSync(join(dir, 'site.yaml'), stringify([{name: 'Web', hosts: 'web', roles: ['web']}]));
  writeProject({h1: {}, h2: {}});
});

after(async () => {
  await sshd?.stop();
  rmSync(dir, {recursive: true, force: true});
});

describe('engine over a real sshd', {concurrency: false}, () => {
  it('converges two hosts, then a second run touches nothing', async () => {
    const first = await run(false);
    assert.equal(
      exitCodeOf(first.report),
      0,
      JSON.stringify(first.report.hosts.map((h) => h.error ?? h.tasks.filter((t) => t.status === 'failed'))),
    );
    for (const host of first.report.hosts) {
      assert.equal(host.stats.failed, 0);
      assert.ok(host.stats.changed >= 10, `${host.host} changed ${host.stats.changed}`);
      assert.equal(host.stats.skipped, 1);
    }
    assert.equal(
      readFileSync(join(target, 'h1/app.conf'), 'utf8'),
      `# h1\ngreeting=hello\nlisten 80\nlisten 8080\npassword=${SECRET}\n`,
    );
    assert.equal(readFileSync(join(target, 'h1/literal'), 'utf8'), 'a\nb\n');
    assert.equal(lstatSync(join(target, 'h1/literal')).mode & 0o777, 0o600);
    assert.equal(readFileSync(join(target, 'h1/lines'), 'utf8'), 'b=2\n');
    assert.match(readFileSync(join(target, 'h2/block'), 'utf8'), /^# BEGIN ANSIBLE MANAGED BLOCK\nx=1\ny=2\n# END/);
    assert.equal(readFileSync(join(target, 'h2/static.txt'), 'utf8'), 'static content\n');
    assert.equal(
      readFileSync(join(target, 'h1.restarts'), 'utf8'),
      'restarted\n',
      'the handler ran once though notified twice',
    );

    const before = snapshot(target);
    const second = await run(false);
    assert.equal(exitCodeOf(second.report), 0);
    for (const host of second.report.hosts)
      assert.equal(
        host.stats.changed,
        0,
        JSON.stringify(host.tasks.filter((t) => t.status !== 'ok' && t.status !== 'skipped')),
      );
    assert.deepEqual(snapshot(target), before, 'no path changed: not content, mode, mtime or inode');
    assert.equal(readFileSync(join(target, 'h1.restarts'), 'utf8'), 'restarted\n', 'no handler on a converged host');
  });

  it('check: exit 0 without drift, 2 with a unified diff after a hand edit, and never writes', async () => {
    const clean = await run(true);
    assert.equal(exitCodeOf(clean.report), 0);
    writeFileSync(join(target, 'h1/app.conf'), '# edited by hand\n');
    const before = snapshot(target);
    const drift = await run(true);
    assert.equal(exitCodeOf(drift.report), 2);
    const changed = drift.report.hosts.find((h) => h.host === 'h1')!.tasks.filter((t) => t.status === 'changed');
    assert.deepEqual(
      changed.map((t) => t.task),
      ['Config from a template', 'restart app'],
    );
    assert.match(changed[0]!.diff!, /^-# edited by hand$/m);
    assert.match(changed[0]!.diff!, /^\+greeting=hello$/m);
    assert.equal(changed[1]!.summary, 'would run (notified)');
    assert.deepEqual(snapshot(target), before, 'check changed nothing');
    await run(false);
  });

  it('the CLI: check exits 2 on drift, --json prints the report, results on stdout and progress on stderr', () => {
    writeFileSync(join(target, 'h2/literal'), 'hand edit\n');
    const cli = (args: string[]) => pxeprov(args, {PXEPROV_SSH_CONFIG: process.env.PXEPROV_SSH_CONFIG!});
    const inventory = join(dir, 'inventory.yaml');
    const drift = cli(['check', inventory, '-p', join(dir, 'site.yaml'), '-e', `root=${target}`, '--json']);
    assert.equal(drift.code, 2);
    assert.equal((drift.json as RunReport).drift, true);
    assert.ok(!drift.stdout.includes(SECRET));
    assert.equal(drift.stderr, '', '--json: nothing but the report');
    const up = cli(['up', inventory, '-p', join(dir, 'site.yaml'), '-e', `root=${target}`, '-l', 'h2', '--diff']);
    assert.equal(up.code, 0);
    assert.match(up.stderr, /^up: .* on 1 host\(s\): h2$/m, 'progress on stderr');
    assert.match(up.stdout, /^changed: \[h2\] Literal content - content differs$/m);
    assert.match(up.stdout, /^-hand edit$/m);
    assert.match(up.stdout, /^h2 +: ok=\d+ {2}changed=1 {2}unreachable=0 {2}failed=0/m);
    assert.equal(readFileSync(join(target, 'h2/literal'), 'utf8'), 'a\nb\n');
    assert.equal(cli(['check', inventory, '-p', join(dir, 'site.yaml'), '-e', `root=${target}`]).code, 0);
  });
});
