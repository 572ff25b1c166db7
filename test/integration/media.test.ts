/**
 * The media module over a real sshd: an ISO's tree on the target is compared file by file with what was
 * written (one listing: size and mtime; contents with --checksum). A deleted, overwritten, touched or
 * planted file is drift named in a diff, and `up` puts back only those files, for a local and a remote ISO.
 */
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import type {EngineEvent, RunReport, TaskOutcome} from '../../src/engine/events.js';
import {playRunner, type PlayRunner} from '../helpers/play.js';
import {startSshd, type TestSshd} from '../helpers/sshd.js';

let sshd: TestSshd;
let dir: string;
let runner: PlayRunner;
const names: string[] = [];

/** A CentOS-shaped ISO with a kernel, an initrd, packages and a symlink (kept by a remote extraction). */
function makeIso(path: string): void {
  const src = join(dir, 'iso-src');
  mkdirSync(join(src, 'images/pxeboot'), {recursive: true});
  mkdirSync(join(src, 'Packages'), {recursive: true});
  writeFileSync(join(src, '.treeinfo'), '[general]\nname = TestOS\n');
  writeFileSync(join(src, 'images/pxeboot/vmlinuz'), 'kernel '.repeat(200));
  writeFileSync(join(src, 'images/pxeboot/initrd.img'), 'initrd '.repeat(300));
  writeFileSync(join(src, 'Packages/README'), 'read me\n');
  writeFileSync(join(src, 'Packages/a-1.0.rpm'), 'rpm a\n');
  symlinkSync('Packages/README', join(src, 'README'));
  execFileSync('xorriso', ['-as', 'mkisofs', '-quiet', '-R', '-o', path, src], {stdio: 'ignore'});
  rmSync(src, {recursive: true});
}

function mediaTask(name: string, remote: boolean) {
  return {
    name: 'media',
    media: {
      name,
      iso: join(dir, 'testos.iso'),
      remote,
      root: join(dir, `srv-${name}`),
      tftp_root: join(dir, `tftp-${name}`),
    },
  };
}

async function media(
  name: string,
  remote: boolean,
  options: {check?: boolean; checksum?: boolean} = {},
): Promise<TaskOutcome> {
  const report: RunReport = await runner.play([mediaTask(name, remote)], options);
  assert.equal(report.hosts[0]!.error, undefined);
  const task = report.hosts[0]!.tasks.find((t) => t.task === 'media')!;
  assert.notEqual(task.status, 'failed', task.summary);
  return task;
}

before(async () => {
  sshd = await startSshd();
  dir = mkdtempSync(join(tmpdir(), 'pxeprov-media-'));
  process.env.PXEPROV_CACHE = join(dir, 'cache');
  runner = playRunner(sshd, dir);
  makeIso(join(dir, 'testos.iso'));
});

after(async () => {
  await sshd?.stop();
  // The target keeps a manifest per tree name under /var/lib/pxeprov/media: ours carry the test's pid.
  for (const name of names) rmSync(`/var/lib/pxeprov/media/${name}.json`, {force: true});
  rmSync(dir, {recursive: true, force: true});
});

for (const remote of [false, true]) {
  describe(`media drift, ${remote ? 'ISO on the target' : 'ISO on the control machine'}`, () => {
    const name = `itest${process.pid}${remote ? 'r' : 'l'}`;
    names.push(name);
    const tree = () => join(dir, `srv-${name}`, name);
    const inode = (path: string) => statSync(join(tree(), path)).ino;

    it('a converged tree is up to date at the cost of one listing', async () => {
      assert.equal((await media(name, remote)).status, 'changed');
      const again = await media(name, remote, {check: true});
      assert.equal(again.status, 'ok');
      assert.match(again.summary, /is up to date \(\d+ files\)/);
    });

    it('a deleted, an overwritten and a planted file are drift, named in a diff; up puts back only those', async () => {
      const untouched = inode('images/pxeboot/initrd.img');
      rmSync(join(tree(), 'Packages/README'));
      writeFileSync(join(tree(), 'images/pxeboot/vmlinuz'), 'not the kernel\n');
      writeFileSync(join(tree(), 'Packages/evil.rpm'), 'planted\n');
      symlinkSync('/etc/shadow', join(tree(), 'shadow'));
      const check = await media(name, remote, {check: true});
      assert.equal(check.status, 'changed');
      assert.match(check.summary, /: 1 missing, 1 changed, 2 extra \(of \d+ files\)$/);
      assert.match(check.diff!, /^\+Packages\/README: 8 bytes, mtime /m);
      assert.match(check.diff!, /^-Packages\/evil\.rpm: 8 bytes, mtime /m);
      assert.match(check.diff!, /^-shadow -> \/etc\/shadow$/m);
      assert.match(check.diff!, /^-images\/pxeboot\/vmlinuz: 15 bytes, mtime /m);
      assert.match(check.diff!, /^\+images\/pxeboot\/vmlinuz: 1400 bytes, mtime /m);
      assert.ok(existsSync(join(tree(), 'Packages/evil.rpm')), 'check changes nothing');

      assert.equal((await media(name, remote)).status, 'changed');
      assert.equal(readFileSync(join(tree(), 'images/pxeboot/vmlinuz'), 'utf8'), 'kernel '.repeat(200));
      assert.equal(readFileSync(join(tree(), 'Packages/README'), 'utf8'), 'read me\n');
      assert.ok(
        !existsSync(join(tree(), 'Packages/evil.rpm')) && !existsSync(join(tree(), 'shadow')),
        'what was planted is gone',
      );
      assert.equal(inode('images/pxeboot/initrd.img'), untouched, 'a file that did not drift is not copied');
      assert.equal((await media(name, remote, {check: true})).status, 'ok');
    });

    it('a file only touched is drift that up settles without copying it', async () => {
      const before = inode('Packages/a-1.0.rpm');
      utimesSync(join(tree(), 'Packages/a-1.0.rpm'), 1_600_000_000, 1_600_000_000);
      const check = await media(name, remote, {check: true});
      assert.match(check.summary, /: 1 changed /);
      assert.equal((await media(name, remote)).status, 'changed');
      assert.equal(inode('Packages/a-1.0.rpm'), before, 'the content was right: not copied');
      assert.equal((await media(name, remote, {check: true})).status, 'ok');
    });

    it('a change that keeps size and mtime passes the quick check and is found by --checksum', async () => {
      const path = join(tree(), 'Packages/a-1.0.rpm');
      const {mtime} = statSync(path);
      writeFileSync(path, 'rpm b\n');
      utimesSync(path, mtime, mtime);
      assert.equal((await media(name, remote, {check: true})).status, 'ok');
      const check = await media(name, remote, {check: true, checksum: true});
      assert.equal(check.status, 'changed');
      assert.match(check.diff!, /^-Packages\/a-1\.0\.rpm: 6 bytes, mtime .*, sha256 /m);
      assert.equal((await media(name, remote, {checksum: true})).status, 'changed');
      assert.equal(readFileSync(path, 'utf8'), 'rpm a\n');
      const clean = await media(name, remote, {check: true, checksum: true});
      assert.equal(clean.status, 'ok');
      assert.match(clean.summary, /contents compared/);
    });

    it('the boot dir gets the same quick check: a changed kernel is found by its size, a disguised one by --checksum', async () => {
      const kernel = join(dir, `tftp-${name}`, name, 'vmlinuz');
      const original = readFileSync(kernel);
      const {mtime} = statSync(kernel);
      writeFileSync(kernel, Buffer.alloc(original.length, 'x'));
      utimesSync(kernel, mtime, mtime);
      assert.equal((await media(name, remote, {check: true})).status, 'ok');
      assert.equal((await media(name, remote, {check: true, checksum: true})).status, 'changed');
      writeFileSync(kernel, 'short');
      assert.equal((await media(name, remote, {check: true})).status, 'changed');
      assert.equal((await media(name, remote)).status, 'changed');
      assert.deepEqual(readFileSync(kernel), original);
      assert.equal((await media(name, remote, {check: true})).status, 'ok');
    });
  });
}

describe('media copy progress', () => {
  const name = `itest${process.pid}p`;
  names.push(name);

  it('reports the bytes of the copy as it goes, up to the total: the tree (the boot dir is copied on the target)', async () => {
    const events: EngineEvent[] = [];
    await runner.play([mediaTask(name, false)], {emit: (e) => events.push(e)});
    const progress = events.filter(
      (e): e is Extract<EngineEvent, {type: 'task-progress'}> => e.type === 'task-progress',
    );
    assert.ok(progress.length > 0, 'no progress events');
    for (const e of progress) assert.deepEqual([e.host, e.task, e.total], ['t', 'media', progress[0]!.total]);
    assert.deepEqual(
      progress.map((e) => e.done),
      [...progress.map((e) => e.done)].sort((a, b) => a - b),
    );
    assert.equal(progress.at(-1)!.done, progress[0]!.total);
    const treeBytes =
      '[general]\nname = TestOS\n'.length +
      'kernel '.length * 200 +
      'initrd '.length * 300 +
      'read me\n'.length +
      'rpm a\n'.length;
    assert.equal(progress[0]!.total, treeBytes);
  });

  it('says nothing when nothing is copied (check, unchanged re-run)', async () => {
    for (const check of [true, false]) {
      const events: EngineEvent[] = [];
      await runner.play([mediaTask(name, false)], {check, emit: (e) => events.push(e)});
      assert.equal(events.filter((e) => e.type === 'task-progress').length, 0);
    }
  });
});
