/** A play's logic without a host: blocks, the handlers' queue, and which errors are input errors. */
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import type {Block, BlockPlace, Task} from '../../src/config/model.js';
import {PxeError} from '../../src/errors.js';
import {BlockFailures, failureVars, rescued} from '../../src/engine/blocks.js';
import {Notifications} from '../../src/engine/handlers.js';
import {inputErrors} from '../../src/engine/play-run.js';
import type {Prepared, TaskDone} from '../../src/engine/task-run.js';

const pos = {file: 'site.yaml', line: 1, col: 1};
const task = (name: string, more: Partial<Task> = {}): Task => ({
  name,
  module: 'debug',
  args: {},
  when: [],
  loopVar: 'item',
  notify: [],
  listen: [],
  tags: [],
  ignoreErrors: false,
  noLog: false,
  vars: {},
  pos,
  ...more,
});
const done = (more: Partial<TaskDone> = {}): TaskDone => ({
  changed: false,
  failed: false,
  changedTarget: false,
  changedVars: false,
  results: [],
  ...more,
});

describe('blocks', () => {
  const block: Block = {hasRescue: true, pos};
  const bare: Block = {hasRescue: false, pos};
  const at = (b: Block, section: BlockPlace['section']): BlockPlace => ({block: b, section});
  const [b1, b2, r1, a1] = [
    task('b1', {blocks: [at(block, 'block')]}),
    task('b2', {blocks: [at(block, 'block')]}),
    task('r1', {blocks: [at(block, 'rescue')]}),
    task('a1', {blocks: [at(block, 'always')]}),
  ];

  it('a failure in block: skips the rest of it, runs rescue and always, and is handled', () => {
    const failures = new BlockFailures();
    assert.equal(failures.record(b1), true);
    assert.deepEqual(
      [b2, r1, a1].map((t) => failures.runs(t)),
      [false, true, true],
    );
    assert.equal(failures.close(a1, undefined), false);
  });
  it('without a failure the rescue does not run', () => {
    assert.deepEqual(
      [b1, b2, r1, a1].map((t) => new BlockFailures().runs(t)),
      [true, true, false, true],
    );
  });
  it('a failure in rescue: always runs, then the host fails', () => {
    const failures = new BlockFailures();
    failures.record(b1);
    failures.record(r1);
    assert.equal(failures.runs(a1), true);
    assert.equal(failures.close(a1, undefined), true);
  });
  it('a failure in an inner block without rescue moves to the outer block', () => {
    const inner = task('inner', {blocks: [at(block, 'block'), at(bare, 'block')]});
    const failures = new BlockFailures();
    failures.record(inner);
    assert.equal(failures.close(inner, r1), false);
    assert.deepEqual(
      [b2, r1].map((t) => failures.runs(t)),
      [false, true],
    );
  });
  it('a task in no block fails the host', () => assert.equal(new BlockFailures().record(task('alone')), false));
  it('a failure is rescued only inside a block: that has a rescue', () => {
    assert.deepEqual([b1, r1, task('x', {blocks: [at(bare, 'block')]})].map(rescued), [true, false, false]);
  });
  it('the rescue sees what failed', () => {
    assert.deepEqual(failureVars(task('b1', {module: 'command'}), {code: 'E_TASK', message: 'boom'}), {
      ansible_failed_task: {name: 'b1', action: 'command'},
      ansible_failed_result: {failed: true, msg: 'boom', code: 'E_TASK'},
    });
  });
});

describe("the handlers' queue", () => {
  const notifier = task('write dhcpd.conf', {module: 'template', notify: ['restart dhcp']});
  const start = task('start dhcp', {module: 'service'});
  const started = done({changed: true, results: [{changed: true, name: 'isc-dhcp-server', action: 'start'}]});
  const restart = task('restart dhcp', {module: 'service'});
  const prepared = (handler: Task, ...args: unknown[]): Prepared => ({
    task: handler,
    items: args.map((a) => ({vars: {}, args: a})),
  });
  const restartArgs = {name: 'isc-dhcp-server', state: 'restarted'};

  it('a change notifies its handlers once; no change notifies nothing', () => {
    const queue = new Notifications();
    assert.equal(queue.taskDone(notifier, 0, done()), false);
    assert.equal(queue.taskDone(notifier, 0, done({changed: true})), true);
    assert.equal(queue.taskDone(notifier, 1, done({changed: true})), false);
    assert.deepEqual([...queue.names], ['restart dhcp']);
  });

  const cases: {what: string; order: 'notified first' | 'started first'; handler: Prepared; redundant?: string[]}[] = [
    {
      what: 'a restart of a service started after the notification is redundant',
      order: 'notified first',
      handler: prepared(restart, restartArgs),
      redundant: ['isc-dhcp-server'],
    },
    {
      what: 'a reload too',
      order: 'notified first',
      handler: prepared(restart, {...restartArgs, state: 'reloaded'}),
      redundant: ['isc-dhcp-server'],
    },
    {
      what: 'a service started before the notification is restarted',
      order: 'started first',
      handler: prepared(restart, restartArgs),
    },
    {
      what: 'a handler that does more than restart runs',
      order: 'notified first',
      handler: prepared(restart, {name: 'isc-dhcp-server', state: 'started'}),
    },
    {
      what: 'every item must be redundant',
      order: 'notified first',
      handler: prepared(restart, restartArgs, {name: 'tftpd-hpa', state: 'restarted'}),
    },
    {what: 'a skipped item is not', order: 'notified first', handler: prepared(restart, restartArgs, undefined)},
    {
      what: 'a module that starts no service runs',
      order: 'notified first',
      handler: prepared(task('restart dhcp', {module: 'command'}), {cmd: 'systemctl restart isc-dhcp-server'}),
    },
  ];
  for (const {what, order, handler, redundant} of cases) {
    it(what, () => {
      const queue = new Notifications();
      if (order === 'notified first') {
        queue.taskDone(notifier, 0, done({changed: true}));
        queue.taskDone(start, 1, started);
      } else {
        queue.taskDone(start, 0, started);
        queue.taskDone(notifier, 1, done({changed: true}));
      }
      assert.deepEqual(queue.redundant(handler.task, handler), redundant);
    });
  }
});

describe('input errors of a play', () => {
  const undefinedVar = new PxeError('E_TEMPLATE', "'answer' is undefined");
  const uses = task('use it', {args: {msg: '{{ answer }}'}});
  const failing = (t: Task, error?: unknown): Prepared => ({task: t, items: error ? [{vars: {}, error}] : []});
  const cases: {what: string; before: Task; errors: string[]}[] = [
    {
      what: 'an undefined variable no earlier task can define is an input error',
      before: task('say hi'),
      errors: ['use it'],
    },
    {what: 'set_fact may define it', before: task('set it', {module: 'set_fact'}), errors: []},
    {what: 'register may define it', before: task('run it', {module: 'command', register: 'answer'}), errors: []},
  ];
  for (const {what, before, errors} of cases) {
    it(what, () => {
      const found = inputErrors([before, uses], [failing(before), failing(uses, undefinedVar)]);
      assert.deepEqual(
        found.map((f) => f.task.name),
        errors,
      );
    });
  }
});
