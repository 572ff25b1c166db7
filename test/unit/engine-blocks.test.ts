/**
 * block / rescue / always on a fake host, as Ansible runs them: each task runs a command named after it,
 * so the commands the host saw are the order in which tasks really ran.
 */
import assert from 'node:assert/strict';
import {after, beforeEach, describe, it} from 'node:test';
import {exitCodeOf} from '../../src/engine/events.js';
import {recapText} from '../../src/report/recap.js';
import {FakeProject} from '../helpers/fake-play.js';

const project = new FakeProject();
const mark = (name: string) => ({name, command: `mark ${name}`});
const boom = (name: string) => ({name, fail: {msg: `${name} went wrong`}});
const ran = () =>
  project
    .host()
    .ran()
    .map((line) => line.replace(/^mark /, ''));

beforeEach(() => {
  project.host().commands.length = 0;
  project.host().answer('mark', {rc: 0});
});
after(() => project.remove());

describe('block, rescue, always', () => {
  const cases: {what: string; tasks: unknown[]; ran: string[]; exit: number; rescued?: number}[] = [
    {
      what: 'no failure: the block and always run, the rescue does not',
      tasks: [{block: [mark('b1'), mark('b2')], rescue: [mark('r1')], always: [mark('a1')]}, mark('after')],
      ran: ['b1', 'b2', 'a1', 'after'],
      exit: 0,
    },
    {
      what: 'a failure: the rest of the block is skipped, rescue and always run, the host goes on',
      tasks: [
        {block: [mark('b1'), boom('b2'), mark('b3')], rescue: [mark('r1'), mark('r2')], always: [mark('a1')]},
        mark('after'),
      ],
      ran: ['b1', 'r1', 'r2', 'a1', 'after'],
      exit: 0,
      rescued: 1,
    },
    {
      what: 'the rescue fails: always still runs, then the host fails',
      tasks: [{block: [boom('b1')], rescue: [boom('r1'), mark('r2')], always: [mark('a1'), mark('a2')]}, mark('after')],
      ran: ['a1', 'a2'],
      exit: 1,
      rescued: 1,
    },
    {
      what: 'no rescue: always runs, then the host fails',
      tasks: [{block: [mark('b1'), boom('b2')], always: [mark('a1')]}, mark('after')],
      ran: ['b1', 'a1'],
      exit: 1,
    },
    {
      what: 'an always task fails: the rest of always is skipped and the host fails',
      tasks: [{block: [mark('b1')], always: [boom('a1'), mark('a2')]}, mark('after')],
      ran: ['b1'],
      exit: 1,
    },
    {
      what: "an inner block without rescue: its always runs, then the outer block's rescue and always",
      tasks: [
        {
          block: [{block: [mark('i1'), boom('i2'), mark('i3')], always: [mark('ia')]}, mark('o2')],
          rescue: [mark('or')],
          always: [mark('oa')],
        },
        mark('after'),
      ],
      ran: ['i1', 'ia', 'or', 'oa', 'after'],
      exit: 0,
      rescued: 1,
    },
    {
      what: "a failure in an inner block's rescue reaches the outer rescue",
      tasks: [{block: [{block: [boom('i1')], rescue: [boom('ir')]}], rescue: [mark('or')]}, mark('after')],
      ran: ['or', 'after'],
      exit: 0,
      rescued: 2,
    },
    {
      what: 'ignore_errors in a block is not a failure of the block',
      tasks: [{block: [{...boom('b1'), ignore_errors: true}, mark('b2')], rescue: [mark('r1')]}, mark('after')],
      ran: ['b2', 'after'],
      exit: 0,
    },
    {
      what: 'a failed command fails the block like any task',
      tasks: [{block: [{name: 'b1', command: 'false'}, mark('b2')], rescue: [mark('r1')]}],
      ran: ['false', 'r1'],
      exit: 0,
      rescued: 1,
    },
    {
      what: 'the rescue sees ansible_failed_task and ansible_failed_result',
      tasks: [
        {
          block: [boom('b1')],
          rescue: [{name: 'r1', command: "mark '{{ ansible_failed_task.name }}: {{ ansible_failed_result.msg }}'"}],
        },
      ],
      ran: ['b1: b1 went wrong'],
      exit: 0,
      rescued: 1,
    },
  ];
  for (const c of cases) {
    it(c.what, async () => {
      project.host().answer('false', {rc: 1});
      const {report} = await project.play(c.tasks);
      assert.deepEqual(ran(), c.ran);
      assert.equal(exitCodeOf(report), c.exit, JSON.stringify(report.hosts[0]!.stats));
      assert.equal(report.hosts[0]!.stats.rescued, c.rescued ?? 0);
    });
  }

  it('the recap counts rescued and ignored failures apart from failed ones; ok counts an ignored failure, as in Ansible', async () => {
    const {report} = await project.play([{block: [boom('b1')], rescue: [{...boom('r1'), ignore_errors: true}]}]);
    assert.deepEqual(report.hosts[0]!.stats, {
      ok: 1,
      changed: 0,
      failed: 0,
      skipped: 0,
      unreachable: 0,
      rescued: 1,
      ignored: 1,
    });
    assert.match(
      recapText(report, false),
      /t +: ok=1 {2}changed=0 {2}unreachable=0 {2}failed=0 {2}skipped=0 {2}rescued=1 {2}ignored=1/,
    );
  });

  it('check mode: the rescue of a failed block is shown, and nothing runs', async () => {
    const {report, statuses} = await project.play([{block: [boom('b1')], rescue: [mark('r1')], always: [mark('a1')]}], {
      check: true,
    });
    assert.deepEqual(ran(), []);
    assert.deepEqual(statuses(), ['failed: b1', 'skipped: r1', 'skipped: a1']);
    assert.equal(exitCodeOf(report), 0);
  });
});
