/** The no_log playbook both the fake-host and the real-sshd secrets tests run, and what they assert of it. */
import assert from 'node:assert/strict';
import type {TaskOutcome} from '../../src/engine/events.js';

/** Every value the no_log tasks handle carries this mark: it must never be shown. */
export const MARK = 'Hidden-Mark-7c1e';
export const HIDDEN = 'the output has been hidden due to no_log: true';
const SHOWN = new Set(['Target directory', 'Shown as usual', 'Rescue reads the failure']);

/** The tasks; `failing(rc, text)` is a command that prints text on stderr and exits rc on the host at hand. */
export const noLogTasks = (target: string, failing: (rc: number, text: string) => unknown) => [
  {name: 'Target directory', file: {path: target, state: 'directory'}},
  {name: 'Run a command', command: `echo ${MARK}-command`, no_log: true},
  {name: 'Write content', copy: {content: `${MARK}-content\n`, dest: `${target}/content`}, no_log: true},
  {
    name: 'Per item',
    copy: {content: '{{ item }}\n', dest: `${target}/{{ item }}`},
    loop: [`${MARK}-item`],
    no_log: true,
  },
  {name: 'Fails, ignored', command: failing(3, `${MARK}-stderr`), ignore_errors: true, no_log: true},
  {command: `echo ${MARK}-unnamed`, no_log: true},
  {name: 'Skipped', command: 'echo never', when: `'${MARK}-when' == 'x'`, no_log: true},
  {
    name: 'Guarded',
    block: [{name: 'Fails in a block', command: failing(4, `${MARK}-block`), no_log: true}],
    rescue: [{name: 'Rescue reads the failure', debug: {msg: 'rescued: {{ ansible_failed_result.msg }}'}}],
  },
  {name: 'Shown as usual', command: 'echo visible-output'},
];

export function assertNameAndStatusOnly(outcomes: TaskOutcome[], what: string): void {
  const hidden = outcomes.filter((o) => !SHOWN.has(o.task));
  assert.ok(hidden.length >= 7, `${what}: ${hidden.length} no_log outcomes`);
  for (const o of hidden) {
    assert.equal(o.summary, HIDDEN, `${what}: ${o.task}`);
    assert.equal(o.diff, undefined, `${what}: ${o.task} diff`);
    assert.equal(o.item, undefined, `${what}: ${o.task} item`);
    if (o.error) assert.deepEqual(Object.keys(o.error).sort(), ['code', 'message']);
  }
  assert.ok(
    outcomes.some((o) => o.task === 'command'),
    `${what}: an unnamed no_log task is named by its module`,
  );
}
