/**
 * Secrets against a real sshd. A task marked no_log shows its name and status and nothing else (no command
 * line, diff, loop item, skip reason or error text) in every mode and stream of the CLI: check, up --check,
 * up, --diff, -v, --json (the engine's side is tested on a fake host: test/unit/engine-secrets.test.ts).
 * A password lookup's result is masked wherever it appears.
 */
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {Ajv} from 'ajv';
import type {RunReport} from '../../src/engine/events.js';
import {playRunner, type PlayRunner} from '../helpers/play.js';
import {assertNameAndStatusOnly, MARK, noLogTasks} from '../helpers/no-log.js';
import {startSshd, type TestSshd} from '../helpers/sshd.js';

let sshd: TestSshd;
let dir: string;
let runner: PlayRunner;

const tasks = (target: string) =>
  noLogTasks(target, (rc, text) => ({argv: ['sh', '-c', `echo ${text} >&2; exit ${rc}`]}));

function cli(args: string[]): {code: number | null; stdout: string; stderr: string} {
  const r = spawnSync('node', ['bin/run.js', ...args], {
    encoding: 'utf8',
    env: {...process.env, CI: 'true', PXEPROV_SSH_CONFIG: join(sshd.dir, 'ssh_config')},
  });
  return {code: r.status, stdout: r.stdout, stderr: r.stderr};
}

before(async () => {
  sshd = await startSshd();
  dir = mkdtempSync(join(tmpdir(), 'pxeprov-nolog-'));
  runner = playRunner(sshd, dir);
});

after(async () => {
  await sshd?.stop();
  rmSync(dir, {recursive: true, force: true});
});

describe('no_log over a real sshd', {concurrency: false}, () => {
  it('the CLI: check, up --check, up with --diff and -v, and --json never show a no_log value', async () => {
    const target = join(dir, 'cli');
    await runner.play(tasks(target), {check: true});
    const inventory = join(dir, 'inventory.yaml');
    const playbook = join(dir, 'site.yaml');
    const schema = new Ajv({allErrors: true}).compile(JSON.parse(readFileSync('schemas/report.schema.json', 'utf8')));
    for (const args of [
      ['check', inventory, '-p', playbook, '-v'],
      ['check', inventory, '-p', playbook, '--json'],
      ['up', inventory, '-p', playbook, '--check', '--diff', '-v'],
      ['up', inventory, '-p', playbook, '--diff', '-vv'],
      ['up', inventory, '-p', playbook, '--json'],
    ]) {
      const {code, stdout, stderr} = cli(args);
      const what = args.filter((a) => a.startsWith('-') || !a.includes('/')).join(' ');
      assert.ok(code === 0 || code === 2, `${what}: exit ${code}\n${stderr}`);
      assert.ok(!stdout.includes(MARK) && !stderr.includes(MARK), `${what} shows a no_log value:\n${stdout}${stderr}`);
      if (args.includes('--json')) {
        const report = JSON.parse(stdout) as RunReport;
        if (args[0] === 'check') assert.ok(schema(report), JSON.stringify(schema.errors));
        assertNameAndStatusOnly(report.hosts[0]!.tasks, what);
      } else {
        assert.match(stdout, /\[t\] Write content - the output has been hidden due to no_log: true$/m, what);
        assert.match(stdout, /visible-output|echo visible-output/, `${what}: other tasks show as usual`);
      }
    }
  });
});

describe('a password lookup is a secret', {concurrency: false}, () => {
  it('its value is masked in diffs, summaries and the report, in check and up', async () => {
    const target = join(dir, 'lookup');
    const creds = join(dir, 'credentials', 'app');
    const play = [
      {name: 'Target directory', file: {path: target, state: 'directory'}},
      {
        name: 'Config with a generated password',
        copy: {
          content: `user=app\npassword={{ lookup('password', '${creds} length=24') }}\n`,
          dest: `${target}/app.conf`,
        },
      },
      {name: 'Say it', debug: {msg: `the password is {{ lookup('password', '${creds}') }}`}},
    ];
    for (const check of [true, false]) {
      const report = await runner.play(play, {check});
      const secret = readFileSync(creds, 'utf8').trim();
      assert.equal(secret.length, 24);
      const text = JSON.stringify(report);
      assert.ok(!text.includes(secret), `${check ? 'check' : 'up'} shows the password: ${text}`);
      const tasks = report.hosts[0]!.tasks;
      assert.match(tasks.find((t) => t.task === 'Config with a generated password')!.diff!, /^\+password=\*{8}$/m);
      assert.equal(tasks.find((t) => t.task === 'Say it')!.summary, 'the password is ********');
    }
    assert.match(
      readFileSync(join(target, 'app.conf'), 'utf8'),
      /^password=[A-Za-z0-9.,:_-]{24}$/m,
      'masked in output only',
    );
  });
});
