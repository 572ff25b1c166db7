/**
 * The agent's write path against a local user who owns a directory pxeprov writes into, under dash,
 * bash --posix and busybox sh, through a real sshd on 127.0.0.1: links planted at every name the
 * agent could use, a concurrent hostile process that swaps names and directories while root writes,
 * and writes that fail (a read-only mount, a non-root login) without killing the agent.
 */
import assert from 'node:assert/strict';
import {spawn, execFileSync} from 'node:child_process';
import type {ChildProcess} from 'node:child_process';
import {
  chmodSync,
  chownSync,
  lchownSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {PxeError} from '../../src/errors.js';
import {connect} from '../../src/transport/index.js';
import type {Agent} from '../../src/transport/index.js';
import {TEST_USERS, ensureTestUsers, startSshd} from '../helpers/sshd.js';
import type {TestSshd} from '../helpers/sshd.js';

const NOBODY = 65534;

/** A world-traversable scratch dir: the hostile user must reach the directories it owns. */
function scratch(prefix: string): string {
  const dir = mkdtempSync(join('/tmp', prefix));
  chmodSync(dir, 0o755);
  return dir;
}

/** A root-only victim file and directory: what an attacker would like root to write to. */
function victims(base: string) {
  mkdirSync(base, {recursive: true});
  const file = join(base, 'victim');
  const dir = join(base, 'victim-dir');
  writeFileSync(file, 'ROOT\n', {mode: 0o600});
  mkdirSync(dir, {mode: 0o700});
  const snapshot = () => ({
    content: readFileSync(file, 'utf8'),
    mode: statSync(file).mode & 0o7777,
    uid: statSync(file).uid,
    entries: readdirSync(dir),
  });
  return {file, dir, snapshot, before: snapshot()};
}

function ownedByNobody(path: string): string {
  mkdirSync(path);
  chownSync(path, NOBODY, NOBODY);
  return path;
}

/** Runs a script as nobody until stopped: the concurrent hostile user of the fuzz test. */
function hostile(script: string, args: string[]): ChildProcess {
  const file = join(scratch('pxeprov-hostile-'), 'hostile.cjs');
  writeFileSync(file, script, {mode: 0o644});
  return spawn(process.execPath, [file, ...args], {uid: NOBODY, gid: NOBODY, stdio: ['ignore', 'ignore', 'inherit']});
}

// Watches the directory and, for every name root creates, renames it away and plants a link to the
// victim under that name; plants links at random temp-like names; swaps the subdirectory for a link
// to the victim directory and back.
const HOSTILE = `
const fs = require('fs'), path = require('path');
const [dir, victim, victimDir] = process.argv.slice(2);
const rnd = () => Math.random().toString(36).slice(2, 10);
const tryDo = (f) => { try { f(); } catch {} };
for (;;) {
  for (const name of (() => { try { return fs.readdirSync(dir); } catch { return []; } })()) {
    if (!name.includes('pxeprov-tmp')) continue;
    const p = path.join(dir, name);
    tryDo(() => fs.renameSync(p, path.join(dir, 'stolen-' + rnd())));
    tryDo(() => fs.symlinkSync(victim, p));
  }
  tryDo(() => fs.symlinkSync(victim, path.join(dir, '.menu.cfg.pxeprov-tmp.' + rnd())));
  tryDo(() => fs.renameSync(path.join(dir, 'sub'), path.join(dir, 'sub-away')));
  tryDo(() => fs.symlinkSync(victimDir, path.join(dir, 'sub')));
  tryDo(() => fs.unlinkSync(path.join(dir, 'sub')));
  tryDo(() => fs.renameSync(path.join(dir, 'sub-away'), path.join(dir, 'sub')));
  for (const name of fs.readdirSync(dir)) if (name.startsWith('stolen-')) tryDo(() => fs.rmSync(path.join(dir, name), {recursive: true, force: true}));
}
`;

let sshd: TestSshd;
before(async () => {
  ensureTestUsers();
  sshd = await startSshd();
});
after(async () => {
  await sshd.stop();
});

for (const shell of ['/bin/dash', 'bash --posix', 'busybox sh']) {
  describe(`hostile target directories, agent under ${shell}`, () => {
    let agent: Agent;
    let base: string;
    before(async () => {
      base = scratch('pxeprov-hostile-');
      agent = await connect(sshd.spec({shell}));
    });
    after(async () => {
      await agent.close();
      rmSync(base, {recursive: true, force: true});
    });

    it('never writes through links planted at every temp name a pid could give', async () => {
      const v = victims(base);
      const svc = ownedByNobody(join(base, 'svc'));
      writeFileSync(join(svc, 'menu.cfg'), 'old\n');
      chownSync(join(svc, 'menu.cfg'), NOBODY, NOBODY);
      for (let pid = 300; pid <= 32768; pid++) {
        const link = join(svc, `.menu.cfg.pxeprov-tmp.${pid}`);
        symlinkSync(v.file, link);
        lchownSync(link, NOBODY, NOBODY);
      }
      const result = await agent.writeFile(join(svc, 'menu.cfg'), 'DEFAULT install\n');
      assert.equal(result.changed, true);
      assert.deepEqual(v.snapshot(), v.before);
      assert.equal(readFileSync(join(svc, 'menu.cfg'), 'utf8'), 'DEFAULT install\n');
      // The replaced file's owner is kept, through the new file's descriptor.
      assert.equal(lstatSync(join(svc, 'menu.cfg')).uid, NOBODY);
    });

    it('refuses a symlink on the path inside a directory another user owns', async () => {
      const v = victims(join(base, 'dir-link'));
      const svc = ownedByNobody(join(base, 'svc2'));
      symlinkSync(v.dir, join(svc, 'sub'));
      lchownSync(join(svc, 'sub'), NOBODY, NOBODY);
      for (const op of [
        () => agent.writeFile(join(svc, 'sub/f.cfg'), 'x'),
        () => agent.mkdir(join(svc, 'sub/d'), {parents: true}),
        () => agent.symlink('/etc/passwd', join(svc, 'sub/l')),
        () => agent.remove(join(svc, 'sub/x'), {recursive: true}),
        () => agent.setAttrs(join(svc, 'sub/x'), {mode: 0o777}),
      ]) {
        await assert.rejects(
          op(),
          (e: unknown) =>
            e instanceof PxeError &&
            e.code === 'E_REMOTE' &&
            /symbolic link in a directory other users can write/.test(e.message),
        );
      }
      assert.deepEqual(v.snapshot(), v.before);
    });

    it('sets modes and owners through a descriptor: a file swapped for a link is refused', async () => {
      const v = victims(join(base, 'attrs'));
      const svc = ownedByNobody(join(base, 'svc3'));
      symlinkSync(v.file, join(svc, 'menu.cfg'));
      await assert.rejects(agent.setAttrs(join(svc, 'menu.cfg'), {mode: 0o644}), /symbolic link/);
      await agent.setAttrs(join(svc, 'menu.cfg'), {owner: 'nobody'});
      assert.equal(lstatSync(join(svc, 'menu.cfg')).uid, NOBODY, 'chown -h changes the link itself');
      assert.deepEqual(v.snapshot(), v.before);
    });

    it('fuzz: a concurrent hostile user gets nothing written outside the destination', async () => {
      const root = scratch('pxeprov-fuzz-');
      const v = victims(root);
      const svc = ownedByNobody(join(root, 'svc'));
      ownedByNobody(join(svc, 'sub'));
      const attacker = hostile(HOSTILE, [svc, v.file, v.dir]);
      const outcomes = {ok: 0, refused: 0};
      try {
        for (let i = 0; i < 25; i++) {
          const ops = [
            () => agent.writeFile(join(svc, 'menu.cfg'), `DEFAULT install ${i}\n`, {mode: 0o640}),
            () => agent.writeFile(join(svc, 'sub/f.cfg'), `file ${i}\n`, {mode: 0o755}),
            () => agent.symlink(`target-${i}`, join(svc, 'sub/link')),
            () => agent.mkdir(join(svc, `sub/d${i}/e`), {parents: true, mode: 0o700}),
            () => agent.setAttrs(join(svc, 'menu.cfg'), {mode: 0o600}),
          ];
          for (const op of ops) {
            try {
              await op();
              outcomes.ok++;
            } catch (error) {
              assert.ok(error instanceof PxeError && error.code === 'E_REMOTE', String(error));
              outcomes.refused++;
            }
          }
        }
      } finally {
        attacker.kill('SIGKILL');
      }
      assert.deepEqual(v.snapshot(), v.before);
      // The agent is alive and serving after all of it.
      assert.equal((await agent.stat([v.file]))[0]!.kind, 'file');
      assert.ok(outcomes.ok > 0, 'some writes went through');
      rmSync(root, {recursive: true, force: true});
    });

    it('a write that fails (read-only mount) fails the request, and the agent lives on', async () => {
      const dir = join(base, 'ro');
      mkdirSync(dir);
      writeFileSync(join(dir, 'kept'), 'old');
      execFileSync('mount', ['--bind', dir, dir]);
      try {
        execFileSync('mount', ['-o', 'remount,ro,bind', dir]);
        for (const op of [
          () => agent.writeFile(join(dir, 'kept'), 'new'),
          () => agent.writeFile(join(dir, 'new'), 'new'),
          () => agent.mkdir(join(dir, 'd')),
          () => agent.symlink('x', join(dir, 'l')),
          () => agent.setAttrs(join(dir, 'kept'), {mode: 0o600}),
          () => agent.remove(join(dir, 'kept')),
        ]) {
          await assert.rejects(
            op(),
            (e: unknown) => e instanceof PxeError && e.code === 'E_REMOTE' && /Read-only file system/.test(e.message),
          );
        }
        assert.equal((await agent.readFile(join(dir, 'kept')))!.toString(), 'old');
      } finally {
        execFileSync('umount', [dir]);
      }
    });
  });

  it(`a non-root login writing into a root-owned directory gets permission denied; the agent lives on (${shell})`, async () => {
    const dir = scratch('pxeprov-rootonly-');
    const {name, password} = TEST_USERS.nopasswd;
    const agent = await connect(sshd.spec({shell, privateKeyFile: undefined, user: name, password}));
    try {
      await assert.rejects(
        agent.writeFile(join(dir, 'f'), 'x'),
        (e: unknown) => e instanceof PxeError && /Permission denied/.test(e.message),
      );
      await assert.rejects(agent.mkdir(join(dir, 'd')), /Permission denied/);
      assert.deepEqual(readdirSync(dir), []);
      assert.equal(agent.facts.user, name);
      assert.equal((await agent.exec(['id', '-un'])).stdout.toString().trim(), name);
    } finally {
      await agent.close();
      rmSync(dir, {recursive: true, force: true});
    }
  });
}
