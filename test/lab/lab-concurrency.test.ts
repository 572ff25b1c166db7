/**
 * Two lab commands at once (root): a build of the shared cache waits for the one in progress, two
 * `lab up` of one prefix make one host, a lock that is not released in time names its holder, and
 * `lab down` returns only once every process of the lab has exited. Its own prefix (pxcc).
 */
import assert from 'node:assert/strict';
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {labDown, labNames, labUp} from '../../src/lab/index.js';
import {run} from '../../src/lab/exec.js';
import {CACHE_LOCK, withLock} from '../../src/lab/lock.js';
import {parseProcStat, readProcFile} from '../../src/lab/state.js';

const PREFIX = 'pxcc';
let dir: string;

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Pids whose command line names this lab's host directory (systemd-nspawn), not yet exited. */
async function hostProcesses(): Promise<string[]> {
  const {stdout} = await run(['pgrep', '-f', '--', `--directory=${labNames(PREFIX).rootDir}`], {allowFail: true});
  return stdout.split('\n').filter(Boolean);
}

/** Every process in the lab's namespaces plus its nspawn, as pid -> start time. */
async function labProcesses(): Promise<Map<string, string>> {
  const n = labNames(PREFIX);
  const pids = [...(await hostProcesses())];
  for (const ns of [n.srvNetns, n.lanNetns])
    pids.push(...(await run(['ip', 'netns', 'pids', ns], {allowFail: true})).stdout.split('\n').filter(Boolean));
  const found = new Map<string, string>();
  for (const pid of pids) {
    const stat = await readProcFile(pid, 'stat');
    if (stat) found.set(pid, parseProcStat(stat).start);
  }
  return found;
}

/** Of those processes, the ones that have not exited (a zombie has). */
async function stillRunning(processes: Map<string, string>): Promise<string[]> {
  const left: string[] = [];
  for (const [pid, start] of processes) {
    const stat = await readProcFile(pid, 'stat');
    if (!stat) continue;
    const now = parseProcStat(stat);
    if (now.start === start && now.state !== 'Z') left.push(`${pid} (${now.state})`);
  }
  return left;
}

describe('lab: two commands at once', {timeout: 10 * 60_000}, () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pxeprov-lab-lock-'));
    await labDown({prefix: PREFIX});
  });

  after(async () => {
    await labDown({prefix: PREFIX});
    await rm(dir, {recursive: true, force: true});
  });

  it('a lock held too long fails the waiter with the holder named', async () => {
    const path = join(dir, 'test.lock');
    let release!: () => void;
    const held = withLock(path, 'hold it in the test', () => new Promise<void>((resolve) => (release = resolve)));
    await pause(200);
    await assert.rejects(
      withLock(path, 'take it too', async () => 'never', 1000),
      (error: Error) => {
        assert.match(error.message, new RegExp(`is held by pid ${process.pid} \\(hold it in the test, since `));
        return true;
      },
    );
    release();
    await held;
    assert.equal(await withLock(path, 'take it after', async () => 'taken', 1000), 'taken');
  });

  it('lab up waits while the cache is being built by someone else, then goes on', async () => {
    let release!: () => void;
    const held = withLock(
      CACHE_LOCK,
      'stand in for a base build in the test',
      () => new Promise<void>((resolve) => (release = resolve)),
    );
    await pause(200);
    let done = false;
    const up = labUp({prefix: PREFIX, inventory: join(dir, 'lab.yaml')}).finally(() => (done = true));
    // Ours and, once lab up reaches the cache, its own flock waiting for the lock.
    const lockers = async () =>
      (await run(['pgrep', '-f', '--', `^flock .* ${CACHE_LOCK} `], {allowFail: true})).stdout
        .split('\n')
        .filter(Boolean).length;
    while (!done && (await lockers()) < 2) await pause(100);
    assert.equal(done, false, 'lab up went on while another run held the cache');
    await pause(1000);
    assert.equal(done, false, 'lab up waits');
    release();
    await held;
    await up;
    assert.equal((await hostProcesses()).length, 1);
  });

  it('two lab up of one prefix at once make one host', async () => {
    await labDown({prefix: PREFIX});
    const results = await Promise.allSettled([
      labUp({prefix: PREFIX, inventory: join(dir, 'lab.yaml')}),
      labUp({prefix: PREFIX, inventory: join(dir, 'lab.yaml')}),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'fulfilled'],
      JSON.stringify(results.map((r) => (r.status === 'rejected' ? String(r.reason) : 'ok'))),
    );
    assert.equal((await hostProcesses()).length, 1, 'one systemd-nspawn');
  });

  it('lab down returns only once every process of the lab has exited', async () => {
    const processes = await labProcesses();
    assert.ok(processes.size > 3, `nspawn, the container's init and its services: ${[...processes.keys()].join(' ')}`);
    await labDown({prefix: PREFIX});
    assert.deepEqual(await stillRunning(processes), []);
  });
});
