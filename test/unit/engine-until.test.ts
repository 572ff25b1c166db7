/**
 * until / retries / delay on a fake host, as Ansible runs them: a command answers how many times it ran, so
 * the count is how many attempts really ran; the register is in scope of until.
 */
import assert from 'node:assert/strict';
import {after, beforeEach, describe, it} from 'node:test';
import {exitCodeOf, type EngineEvent} from '../../src/engine/events.js';
import {plainRenderer} from '../../src/report/plain.js';
import {FakeProject} from '../helpers/fake-play.js';

const project = new FakeProject();
let runs: number;
const count = (extra: Record<string, unknown>) => ({name: 'Count', shell: 'count', register: 'r', delay: 0, ...extra});

beforeEach(() => {
  runs = 0;
  project.host().answer('count', () => ({stdout: `${++runs}\n`}));
});
after(() => project.remove());

async function play(tasks: unknown[]) {
  let text = '';
  const render = plainRenderer({
    diff: false,
    verbose: 0,
    profile: false,
    color: false,
    write: (t) => (text += t),
    progress: () => {},
  });
  const {report, events} = await project.play(tasks, {emit: render});
  return {
    report,
    text,
    retries: events.filter((e): e is Extract<EngineEvent, {type: 'task-retry'}> => e.type === 'task-retry'),
  };
}

describe('until / retries / delay', () => {
  it('runs again until the condition on the register holds; attempts is in the result', async () => {
    const {report, text, retries} = await play([
      count({until: 'r.stdout | int == 3', retries: 5}),
      {name: 'Attempts', debug: {msg: '{{ r.attempts }}'}},
    ]);
    assert.equal(exitCodeOf(report), 0);
    assert.equal(runs, 3);
    assert.equal(report.hosts[0]!.tasks.find((t) => t.task === 'Attempts')!.summary, '3');
    assert.deepEqual(
      retries.map((e) => e.retriesLeft),
      [5, 4],
    );
    assert.match(text, /^FAILED - RETRYING: \[t\]: Count \(5 retries left\)\.$/m);
    assert.match(text, /^FAILED - RETRYING: \[t\]: Count \(4 retries left\)\.$/m);
    assert.equal(report.hosts[0]!.stats.failed, 0);
  });

  it('fails the task once the retries are spent, the last result registered', async () => {
    const {report, retries} = await play([
      count({until: 'r.stdout == "never"', retries: 2}),
      {name: 'After', command: 'true'},
    ]);
    assert.equal(exitCodeOf(report), 1);
    assert.equal(runs, 3, 'the first attempt and 2 retries');
    assert.equal(retries.length, 2);
    const failed = report.hosts[0]!.tasks.find((t) => t.status === 'failed')!;
    assert.equal(failed.task, 'Count');
    assert.match(failed.summary, /until is still false after 3 attempts/);
    assert.ok(!report.hosts[0]!.tasks.some((t) => t.task === 'After'), 'the host stops at the failed task');
  });

  it("retries defaults to 3, as in Ansible; a failed command's rc is there for until", async () => {
    project.host().answer('count', () => ({rc: 1, stdout: `${++runs}\n`}));
    const {report} = await play([count({until: 'r.rc == 0'})]);
    assert.equal(exitCodeOf(report), 1);
    assert.equal(runs, 4);
    assert.match(report.hosts[0]!.tasks.at(-1)!.summary, /non-zero return code 1/, "the module's own message is kept");
  });

  it('a condition true at once runs the task once, with no retry', async () => {
    const {report, retries} = await play([count({until: 'r.rc == 0', retries: '{{ 2 + 1 }}'})]);
    assert.equal(exitCodeOf(report), 0);
    assert.equal(runs, 1);
    assert.equal(retries.length, 0);
  });
});
