/**
 * Errors are never taken for "absent", "empty" or "ok": a read that fails, a DHCP look that could not run,
 * a variables directory that cannot be listed. Against the tests' sshd on 127.0.0.1 and this machine's
 * real nmap.
 */
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {join, resolve} from 'node:path';
import {after, before, describe, it} from 'node:test';
import type {Task} from '../../src/config/model.js';
import {lockTarget} from '../../src/engine/target-lock.js';
import {PxeError} from '../../src/errors.js';
import {readContent} from '../../src/resources/content.js';
import {dhcpGuard} from '../../src/resources/dhcp-guard.js';
import type {TaskContext} from '../../src/resources/types.js';
import {connect} from '../../src/transport/index.js';
import {playRunner} from '../helpers/play.js';
import {TEST_USERS, ensureTestUsers, startSshd} from '../helpers/sshd.js';
import type {TestSshd} from '../helpers/sshd.js';

let sshd: TestSshd;
let dir: string;
before(async () => {
  ensureTestUsers();
  sshd = await startSshd();
  dir = mkdtempSync('/tmp/pxeprov-failclosed-');
  chmodSync(dir, 0o755);
});
after(async () => {
  await sshd.stop();
  rmSync(dir, {recursive: true, force: true});
});

/** An agent's exit trap runs after close() returns: wait (bounded) for what it removes. */
async function waitGone(path: string): Promise<boolean> {
  for (let i = 0; i < 50 && existsSync(path); i++) await new Promise((r) => setTimeout(r, 100));
  return !existsSync(path);
}

describe('fail closed', () => {
  it('a file that cannot be read is an error, not a missing file (lineinfile would replace it whole)', async () => {
    const secret = join(dir, 'root-only.conf');
    writeFileSync(secret, 'keep me\n', {mode: 0o600});
    const {name, password} = TEST_USERS.nopasswd;
    const agent = await connect(sshd.spec({privateKeyFile: undefined, user: name, password}));
    try {
      await assert.rejects(
        readContent(secret, agent),
        (e: unknown) => e instanceof PxeError && e.code === 'E_REMOTE' && /permission denied/.test(e.message),
      );
      await assert.rejects(readContent(secret, agent, Buffer.from('other\n')), (e: unknown) => e instanceof PxeError);
      // Its hash cannot be taken either: the stat fails naming it, never a file without a hash.
      await assert.rejects(
        agent.stat([join(dir, 'absent.conf'), secret], {sha256: true}),
        /root-only\.conf: permission denied/,
      );
      assert.equal(
        (await readContent(join(dir, 'absent.conf'), agent)).content,
        null,
        'only a missing file reads as absent',
      );
    } finally {
      await agent.close();
    }
    assert.equal(readFileSync(secret, 'utf8'), 'keep me\n');
  });

  it('dhcp_guard refuses when the look cannot be done (real nmap, an interface that does not exist: nothing is sent)', async () => {
    const agent = await connect(sshd.spec());
    try {
      const args = {iface: 'pxnosuch0', timeout: 1};
      const observed = await dhcpGuard.read(args, agent, {} as TaskContext);
      assert.match(observed.scanError ?? '', /nmap exited 1/);
      const ctx = {
        host: 'testhost',
        task: {name: 'look for other DHCP servers'} as Task,
        checkMode: false,
      } as TaskContext;
      assert.throws(
        () => dhcpGuard.report(args, observed, ctx),
        (e: unknown) => e instanceof PxeError && /could not look for other DHCP servers on pxnosuch0/.test(e.message),
      );
      assert.deepEqual(dhcpGuard.report({...args, force: true}, observed, ctx), {ok: 'check skipped (dhcp_force)'});
    } finally {
      await agent.close();
    }
  });

  it('a group_vars directory that cannot be listed stops validate (exit 3), its variables do not vanish', () => {
    const inv = join(dir, 'inv');
    mkdirSync(join(inv, 'group_vars', 'all'), {recursive: true});
    writeFileSync(join(inv, 'hosts.yaml'), 'all:\n  hosts:\n    pxe1:\n');
    writeFileSync(join(inv, 'group_vars', 'all', 'main.yaml'), 'pxe_iface: eth1\n');
    chmodSync(join(inv, 'group_vars', 'all'), 0o000);
    chmodSync(inv, 0o755);
    const bin = resolve('bin/pxeprov');
    const r = spawnSync(bin, ['inventory', '--list', join(inv, 'hosts.yaml')], {
      encoding: 'utf8',
      uid: 65534,
      gid: 65534,
      env: {PATH: process.env.PATH, HOME: '/nonexistent', PXEPROV_CACHE: '0'},
    });
    assert.equal(r.status, 3, r.stderr + r.stdout);
    assert.match(r.stderr + r.stdout, /group_vars\/all cannot be read \(EACCES\)/);
  });

  it("two runs at once: the second waits for the first, then fails naming it; a killed run's lock is taken over", async () => {
    const stateDir = join(dir, 'locks', 'state');
    const first = await connect(sshd.spec());
    const second = await connect(sshd.spec());
    try {
      await lockTarget(first, {stateDir, timeoutS: 5});
      assert.match(readFileSync(join(stateDir, 'run.lock', 'holder'), 'utf8'), /^\d+ \S+ pxeprov \(pid \d+\) of /);
      await assert.rejects(
        lockTarget(second, {stateDir, timeoutS: 1}),
        (e: unknown) =>
          e instanceof PxeError &&
          e.code === 'E_LOCKED' &&
          /locked by another run: pxeprov \(pid/.test(e.message) &&
          /pxeprov_lock_timeout/.test(e.hint ?? ''),
      );
      await first.close();
      assert.ok(await waitGone(join(stateDir, 'run.lock')), 'the lock goes with its agent');
      await lockTarget(second, {stateDir, timeoutS: 1});
    } finally {
      await first.close();
      await second.close();
    }
    assert.ok(await waitGone(join(stateDir, 'run.lock')));
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    mkdirSync(join(stateDir, 'run.lock'));
    writeFileSync(join(stateDir, 'run.lock', 'holder'), `999999999 ${boot} a run that was killed\n`);
    const third = await connect(sshd.spec());
    try {
      await lockTarget(third, {stateDir, timeoutS: 1});
      assert.match(readFileSync(join(stateDir, 'run.lock', 'holder'), 'utf8'), /pxeprov \(pid/);
    } finally {
      await third.close();
    }
  });

  it('up waits while another run holds the target', async () => {
    const work = mkdtempSync('/tmp/pxeprov-lockplay-');
    const runner = playRunner(sshd, work);
    const holder = await connect(sshd.spec());
    try {
      await lockTarget(holder, {stateDir: join(work, 'state'), timeoutS: 1});
      const started = Date.now();
      const play = runner.play([{copy: {dest: join(work, 'out.txt'), content: 'x\n'}}]);
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(existsSync(join(work, 'out.txt')), false, 'nothing written while the other run holds the lock');
      await holder.close();
      const report = await play;
      assert.equal(report.hosts[0]!.stats.failed, 0);
      assert.ok(Date.now() - started >= 1500);
      assert.equal(readFileSync(join(work, 'out.txt'), 'utf8'), 'x\n');
    } finally {
      await holder.close();
      rmSync(work, {recursive: true, force: true});
    }
  });
});
