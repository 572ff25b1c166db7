/**
 * service on a host without systemd (this machine: the suite's sshd target has no systemd as PID 1): an LSB
 * init script started, stopped, restarted, enabled and disabled through service(8) and update-rc.d, and a
 * converged service left alone. Skipped where systemd runs (the lab covers that path).
 */
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {exitCodeOf, type RunReport} from '../../src/engine/events.js';
import {playRunner, type PlayRunner} from '../helpers/play.js';
import {startSshd, type TestSshd} from '../helpers/sshd.js';

const NAME = 'pxeprov-sysv-test';
const SCRIPT = `/etc/init.d/${NAME}`;
const PIDFILE = `/run/${NAME}.pid`;
const systemd = existsSync('/run/systemd/system');

let sshd: TestSshd;
let dir: string;
let runner: PlayRunner;

const running = () => {
  try {
    execFileSync('service', [NAME, 'status'], {stdio: 'ignore'});
    return true;
  } catch {
    return false;
  }
};
const links = () =>
  readdirSync('/etc/rc2.d')
    .filter((f) => f.endsWith(NAME))
    .map((f) => f.slice(0, 1));
const changed = (report: RunReport) =>
  report.hosts[0]!.tasks.filter((t) => t.status === 'changed').map((t) => t.summary);
const failures = (report: RunReport) =>
  report.hosts.flatMap((h) => [h.error, ...h.tasks.filter((t) => t.status === 'failed')]).filter(Boolean);

async function service(args: Record<string, unknown>, check = false): Promise<RunReport> {
  const report = await runner.play([{service: {name: NAME, ...args}}], {check});
  assert.deepEqual(failures(report), []);
  return report;
}

describe(
  'service without systemd: an LSB init script',
  {skip: systemd && 'systemd runs here: the lab tests cover service', concurrency: false},
  () => {
    before(async () => {
      sshd = await startSshd();
      dir = mkdtempSync(join(tmpdir(), 'pxeprov-sysv-'));
      runner = playRunner(sshd, dir);
      writeFileSync(
        SCRIPT,
        `#!/bin/sh
### BEGIN INIT INFO
# Provides:          ${NAME}
# Required-Start:    $remote_fs
# Required-Stop:     $remote_fs
# Default-Start:     2 3 4 5
# Default-Stop:      0 1 6
# Short-Description: pxeprov's test daemon
### END INIT INFO
running() { [ -f ${PIDFILE} ] && kill -0 "$(cat ${PIDFILE})" 2>/dev/null; }
case "$1" in
  start) running || { setsid sleep 100000 >/dev/null 2>&1 </dev/null & echo $! >${PIDFILE}; } ;;
  stop) ! running || kill "$(cat ${PIDFILE})"; rm -f ${PIDFILE} ;;
  restart|force-reload) "$0" stop; "$0" start ;;
  reload) running ;;
  status) running || exit 3 ;;
  *) exit 2 ;;
esac
`,
        {mode: 0o755},
      );
    });

    after(async () => {
      try {
        execFileSync('service', [NAME, 'stop'], {stdio: 'ignore'});
        execFileSync('update-rc.d', ['-f', NAME, 'remove'], {stdio: 'ignore'});
      } finally {
        rmSync(SCRIPT, {force: true});
        await sshd?.stop();
        rmSync(dir, {recursive: true, force: true});
      }
    });

    it('started and enabled from scratch (a script with no rc links yet), then nothing to do', async () => {
      assert.deepEqual(links(), []);
      assert.deepEqual(changed(await service({state: 'started', enabled: true})), ['start, enable']);
      assert.ok(running());
      assert.deepEqual(links(), ['S']);
      assert.deepEqual(changed(await service({state: 'started', enabled: true})), []);
    });

    it('check mode sees a stopped service as drift and changes nothing', async () => {
      execFileSync('service', [NAME, 'stop']);
      const report = await service({state: 'started'}, true);
      assert.equal(exitCodeOf(report), 2);
      assert.match(report.hosts[0]!.tasks[0]!.diff!, /^-state: inactive$/m);
      assert.ok(!running());
      assert.deepEqual(changed(await service({state: 'started'})), ['start']);
      assert.ok(running());
    });

    it('restarted always acts: a new process', async () => {
      const before = execFileSync('cat', [PIDFILE], {encoding: 'utf8'});
      assert.deepEqual(changed(await service({state: 'restarted'})), ['restart']);
      assert.notEqual(execFileSync('cat', [PIDFILE], {encoding: 'utf8'}), before);
    });

    it('stopped and disabled, then nothing to do', async () => {
      assert.deepEqual(changed(await service({state: 'stopped', enabled: false})), ['stop, disable']);
      assert.ok(!running());
      assert.deepEqual(links(), ['K']);
      assert.deepEqual(changed(await service({state: 'stopped', enabled: false})), []);
    });

    it('a script that does not exist: nothing to stop; starting it fails with a hint', async () => {
      const absent = await runner.play([{service: {name: 'pxeprov-no-such-service', state: 'stopped'}}]);
      assert.equal(absent.hosts[0]!.tasks[0]!.summary, 'pxeprov-no-such-service is not installed');
      const start = await runner.play([{service: {name: 'pxeprov-no-such-service', state: 'started'}}]);
      assert.equal(exitCodeOf(start), 1);
      assert.match(start.hosts[0]!.tasks[0]!.summary, /service pxeprov-no-such-service does not exist/);
    });
  },
);
