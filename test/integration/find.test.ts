/**
 * find over a real sshd, and the pattern the PXE roles use it for: remove the per-host files of hosts that
 * left the inventory (find → rejectattr('path', 'in', wanted) → file: absent), idempotently and read-only in
 * check mode.
 */
import assert from 'node:assert/strict';
import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {exitCodeOf, type RunReport} from '../../src/engine/events.js';
import {playRunner, type PlayRunner} from '../helpers/play.js';
import {startSshd, type TestSshd} from '../helpers/sshd.js';

let sshd: TestSshd;
let dir: string;
let tree: string;
let runner: PlayRunner;

async function play(tasks: unknown[], check = false, vars: Record<string, unknown> = {}): Promise<RunReport> {
  const report = await runner.play(tasks, {check, vars: {tree, out: join(dir, 'out'), ...vars}});
  const failed = report.hosts
    .flatMap((h) => [h.error, ...h.tasks.filter((t) => t.status === 'failed')])
    .filter(Boolean);
  assert.deepEqual(failed, [], 'no host or task failed');
  return report;
}

/** Runs find with these arguments and returns what it registered, as written to a file by a template. */
async function found(
  args: Record<string, unknown>,
): Promise<{paths: string[]; matched: number; examined: number; skipped: Record<string, string>}> {
  await play([
    {find: args, register: 'r'},
    {
      copy: {
        dest: '{{ out }}',
        content:
          "{{ {'paths': r.files | map(attribute='path') | list, 'matched': r.matched, 'examined': r.examined, 'skipped': r.skipped_paths} | to_json }}",
      },
    },
  ]);
  return JSON.parse(readFileSync(join(dir, 'out'), 'utf8'));
}

before(async () => {
  sshd = await startSshd();
  dir = mkdtempSync(join(tmpdir(), 'pxeprov-find-'));
  tree = join(dir, 'pxelinux.cfg');
  runner = playRunner(sshd, dir);
  mkdirSync(join(tree, 'sub'), {recursive: true});
  for (const name of ['01-aa-bb', '01-cc-dd', 'default', '.01-hidden', 'sub/01-ee-ff', 'with\nnewline', 'C0A8'])
    writeFileSync(join(tree, name), name);
  symlinkSync('default', join(tree, '01-link'));
});

after(async () => {
  await sshd?.stop();
  rmSync(dir, {recursive: true, force: true});
});

describe('find over a real sshd', {concurrency: false}, () => {
  const cases: {what: string; args: Record<string, unknown>; paths: string[]; examined?: number}[] = [
    {
      what: 'files matching a pattern, one level, no hidden names',
      args: {paths: '{{ tree }}', patterns: '01-*'},
      paths: ['01-aa-bb', '01-cc-dd'],
      examined: 8,
    },
    {
      what: 'every kind, hidden names, recursion',
      args: {paths: ['{{ tree }}'], patterns: ['01-*', '.01-*'], file_type: 'any', hidden: true, recurse: true},
      paths: ['.01-hidden', '01-aa-bb', '01-cc-dd', '01-link', 'sub/01-ee-ff'],
      examined: 9,
    },
    {
      what: 'recursion limited by depth, directories only',
      args: {paths: '{{ tree }}', file_type: 'directory', recurse: true, depth: 1},
      paths: ['sub'],
    },
    {what: 'links only', args: {paths: '{{ tree }}', file_type: 'link'}, paths: ['01-link']},
    {
      what: 'several patterns (comma-separated) and an exclude',
      args: {paths: '{{ tree }}', patterns: '01-*,C0*', excludes: ['*-dd']},
      paths: ['01-aa-bb', 'C0A8'],
    },
    {
      what: 'a character class',
      args: {paths: '{{ tree }}', patterns: '[!0]*'},
      paths: ['C0A8', 'default', 'with\nnewline'],
    },
    {
      what: 'a name with a newline survives the listing',
      args: {paths: '{{ tree }}', patterns: 'with?newline'},
      paths: ['with\nnewline'],
    },
  ];
  for (const c of cases) {
    it(c.what, async () => {
      const r = await found(c.args);
      assert.deepEqual(
        r.paths,
        c.paths.map((p) => join(tree, p)),
      );
      assert.equal(r.matched, c.paths.length);
      if (c.examined !== undefined) assert.equal(r.examined, c.examined);
    });
  }

  it('a missing directory or a file is skipped and named, not an error', async () => {
    const r = await found({paths: ['{{ tree }}/nowhere', '{{ tree }}/default']});
    assert.equal(r.matched, 0);
    assert.deepEqual(r.skipped, {
      [join(tree, 'nowhere')]: 'does not exist',
      [join(tree, 'default')]: 'is a file, not a directory',
    });
  });

  it('a relative path is refused with the task named', async () => {
    const report = await runner.play([{name: 'Relative', find: {paths: 'pxelinux.cfg'}}]);
    const task = report.hosts[0]!.tasks.find((t) => t.task === 'Relative')!;
    assert.equal(task.status, 'failed');
    assert.match(task.summary, /'pxelinux.cfg' is not an absolute path/);
  });

  it('prunes the files of hosts no longer wanted: check shows it and writes nothing, up removes them, then nothing changes', async () => {
    const prune = [
      {name: 'Per-host menus on the server', find: {paths: '{{ tree }}', patterns: '01-*'}, register: 'menus'},
      {
        name: 'Menus of hosts gone',
        file: {path: '{{ item }}', state: 'absent'},
        loop: "{{ menus.files | map(attribute='path') | reject('in', wanted) | list }}",
      },
    ];
    const wanted = [join(tree, '01-aa-bb')];
    const checked = await play(prune, true, {wanted});
    assert.equal(exitCodeOf(checked), 2, 'drift: a stale menu');
    assert.deepEqual(
      checked.hosts[0]!.tasks.filter((t) => t.status === 'changed').map((t) => t.item),
      [join(tree, '01-cc-dd')],
    );
    assert.ok(existsSync(join(tree, '01-cc-dd')), 'check mode removed nothing');

    const applied = await play(prune, false, {wanted});
    assert.equal(applied.hosts[0]!.stats.changed, 1);
    assert.ok(!existsSync(join(tree, '01-cc-dd')));
    assert.ok(
      existsSync(join(tree, '01-aa-bb')) && existsSync(join(tree, '01-link')) && existsSync(join(tree, 'default')),
      'only the stale file went',
    );

    const again = await play(prune, false, {wanted});
    assert.equal(again.hosts[0]!.stats.changed, 0);
  });
});
