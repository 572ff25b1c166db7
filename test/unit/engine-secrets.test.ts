/**
 * Secrets in the engine's events and report, on a fake host. A task marked no_log shows its name and status
 * and nothing else (no command line, diff, loop item, skip reason or error text), in check and up, and to a
 * rescue that reads ansible_failed_result; a secret variable's value is masked in diffs.
 */
import assert from 'node:assert/strict';
import {after, describe, it} from 'node:test';
import {FakeProject} from '../helpers/fake-play.js';
import {assertNameAndStatusOnly, HIDDEN, MARK, noLogTasks} from '../helpers/no-log.js';

const SECRET = 'Sup3r-Secret-Passw0rd';

const project = new FakeProject(['t'], {db_password: SECRET});
project
  .host()
  .answer('echo', (argv) => ({stdout: `${argv.slice(1).join(' ')}\n`}))
  .answer('fails', (argv) => ({rc: Number(argv[1]), stderr: `${argv[2]}\n`}));
after(() => project.remove());

const tasks = (target: string) => noLogTasks(target, (rc, text) => `fails ${rc} ${text}`);

describe('no_log', () => {
  it('check and up report only name and status, in events and report; a rescue sees the failure hidden', async () => {
    for (const check of [true, false]) {
      const {report, events, outcome} = await project.play(tasks('/srv/engine'), {check});
      const text = JSON.stringify(report) + JSON.stringify(events);
      assert.ok(!text.includes(MARK), `${check ? 'check' : 'up'} shows a no_log value: ${text}`);
      assertNameAndStatusOnly(report.hosts[0]!.tasks, check ? 'check' : 'up');
      assert.equal(outcome('Write content').status, 'changed');
      assert.equal(outcome('Skipped').status, 'skipped');
      if (!check) {
        assert.equal(outcome('Fails, ignored').status, 'failed');
        assert.equal(outcome('Fails in a block').status, 'failed');
        assert.equal(outcome('Rescue reads the failure').summary, `rescued: ${HIDDEN}`);
        assert.equal(project.host().read('/srv/engine/content'), `${MARK}-content\n`, 'no_log hides, it still runs');
      }
    }
  });

  it('an input error of a no_log task (found before up changes anything) shows only its code', async () => {
    const {report} = await project.play([
      {name: 'Bad template', copy: {content: `${MARK} {{ not_defined }}`, dest: '/srv/never'}, no_log: true},
    ]);
    const outcome = report.hosts[0]!.tasks[0]!;
    assert.deepEqual(
      [outcome.status, outcome.summary, outcome.error],
      ['failed', HIDDEN, {code: 'E_TEMPLATE', message: HIDDEN}],
    );
    assert.ok(!JSON.stringify(report).includes(MARK));
  });
});

describe('secret variables', () => {
  it('a secret is masked in the diff of check, in events and in the report; the target gets the value', async () => {
    project.write('templates/app.conf.j2', 'greeting=hello\npassword={{ db_password }}\n');
    const task = {name: 'Config', template: {src: 'app.conf.j2', dest: '/etc/app.conf'}};
    project.host().withFiles({'/etc/app.conf': 'old\n'});
    const {report, events, outcome} = await project.play([task], {check: true});
    assert.match(outcome('Config').diff!, /^\+password=\*{8}$/m, 'the diff shows the line, masked');
    assert.ok(!(JSON.stringify(events) + JSON.stringify(report)).includes(SECRET));
    await project.play([task]);
    assert.equal(project.host().read('/etc/app.conf'), `greeting=hello\npassword=${SECRET}\n`);
  });
});
