/**
 * until / retries / delay over a real sshd, as Ansible runs them: a command counts its runs in a file on the
 * target, so the count is how many attempts really ran; the register is in scope of until.
 */
import assert from 'node:assert/strict';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, beforeEach, describe, it} from 'node:test';
import {exitCodeOf, type EngineEvent} from '../../src/engine/events.js';
import {plainRenderer} from '../../src/report/plain.js';
import {playRunner, type PlayRunner} from '../helpers/play.js';
import {startSshd, type TestSshd} from '../helpers/sshd.js';

let sshd: TestSshd;
let dir: string;
let runner: PlayRunner;
let counter: string;

/** Appends a line to the counter and prints how many lines it has. */
const count = (extra: Record<string, unknown>) => ({name: 'Count', shell: 'echo x >> {{ counter }}; wc -l < {{ counter }}', register: 'r', delay: 0, ...extra});
const runs = () => readFileSync(counter, 'utf8').split('\n').filter(Boolean).length;

before(async () => {
  sshd = await startSshd();
  dir = mkdtempSync(join(tmpdir(), 'pxeprov-until-'));
  counter = join(dir, 'counter');
  runner = playRunner(sshd, dir);
});
beforeEach(() => rmSync(counter, {force: true}));
after(async () => {
  await sshd?.stop();
  rmSync(dir, {recursive: true, force: true});
});

async function play(tasks: unknown[]) {
  const events: EngineEvent[] = [];
  let text = '';
  const render = plainRenderer({diff: false, verbose: 0, color: false, write: (t) => (text += t), progress: () => {}});
  const report = await runner.play(tasks, {vars: {counter}, emit: (e) => (events.push(e), render(e))});
  return {report, text, retries: events.filter((e) => e.type === 'task-retry')};
}

describe('until / retries / delay over a real sshd', {concurrency: false}, () => {
  it('runs again until the condition on the register holds; attempts is in the result', async () => {
    const {report, text, retries} = await play([count({until: "r.stdout | int == 3", retries: 5}), {name: 'Attempts', shell: 'echo {{ r.attempts }} > {{ counter }}.attempts'}]);
    assert.equal(exitCodeOf(report), 0);
    assert.equal(runs(), 3);
    assert.equal(readFileSync(`${counter}.attempts`, 'utf8'), '3\n');
    assert.deepEqual(retries.map((e) => e.type === 'task-retry' && e.retriesLeft), [5, 4]);
    assert.match(text, /^FAILED - RETRYING: \[t\]: Count \(5 retries left\)\.$/m);
    assert.match(text, /^FAILED - RETRYING: \[t\]: Count \(4 retries left\)\.$/m);
    assert.equal(report.hosts[0]!.stats.failed, 0);
  });

  it('fails the task once the retries are spent, the last result registered', async () => {
    const {report, retries} = await play([count({until: 'r.stdout == "never"', retries: 2}), {name: 'After', shell: 'true'}]);
    assert.equal(exitCodeOf(report), 1);
    assert.equal(runs(), 3, 'the first attempt and 2 retries');
    assert.equal(retries.length, 2);
    const failed = report.hosts[0]!.tasks.find((t) => t.status === 'failed')!;
    assert.equal(failed.task, 'Count');
    assert.match(failed.summary, /until is still false after 3 attempts/);
    assert.ok(!report.hosts[0]!.tasks.some((t) => t.task === 'After'), 'the host stops at the failed task');
  });

  it("retries defaults to 3, as in Ansible; a failed command's rc is there for until", async () => {
    const {report} = await play([{...count({until: 'r.rc == 0'}), shell: 'echo x >> {{ counter }}; exit 1'}]);
    assert.equal(exitCodeOf(report), 1);
    assert.equal(runs(), 4);
    assert.match(report.hosts[0]!.tasks.at(-1)!.summary, /non-zero return code 1/, "the module's own message is kept");
  });

  it('a condition true at once runs the task once, with no retry', async () => {
    const {report, retries} = await play([count({until: 'r.rc == 0', retries: '{{ 2 + 1 }}'})]);
    assert.equal(exitCodeOf(report), 0);
    assert.equal(runs(), 1);
    assert.equal(retries.length, 0);
  });
});
