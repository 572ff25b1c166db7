/**
 * Task keywords on fake hosts, as Ansible runs them: when, loop / with_items / loop_control, register,
 * set_fact, changed_when, failed_when, ignore_errors, tags and --skip-tags, --limit, --start-at-task. Each
 * case says which commands the hosts ran and what each task reported.
 */
import assert from 'node:assert/strict';
import {after, describe, it} from 'node:test';
import {exitCodeOf} from '../../src/engine/events.js';
import {FakeProject, type FakePlayOptions} from '../helpers/fake-play.js';

const project = new FakeProject(['h1', 'h2'], {color: 'blue'});
for (const host of project.hosts) {
  host
    .answer('echo', (argv) => ({stdout: `${argv.slice(1).join(' ')}\n`}))
    .answer('exit', (argv) => ({rc: Number(argv[1]), stderr: `exit ${argv[1]}\n`}))
    .answer('whoami', () => ({stdout: `${host.name}\n`}));
}
after(() => project.remove());

interface Case {
  what: string;
  tasks: unknown[];
  options?: FakePlayOptions;
  /** The command lines h1 ran (h2 too, unless `h2ran` says otherwise). */
  ran: string[];
  h2ran?: string[];
  /** h1's outcomes as "status: task". */
  statuses: string[];
  exit?: number;
}

const echo = (name: string, extra: Record<string, unknown> = {}) => ({name, command: `echo ${name}`, ...extra});

const cases: Case[] = [
  {
    what: 'when: a false condition skips, a list must hold in full, a host variable decides per host',
    tasks: [
      echo('skip-me', {when: 'color == "red"'}),
      echo('run-me', {when: ['color == "blue"', 'inventory_hostname is defined']}),
      echo('only-h2', {when: 'inventory_hostname == "h2"'}),
    ],
    ran: ['echo run-me'],
    h2ran: ['echo run-me', 'echo only-h2'],
    statuses: ['skipped: skip-me', 'changed: run-me', 'skipped: only-h2'],
  },
  {
    what: 'loop runs once per item; with_items flattens one level; loop_control names the variable and the label',
    tasks: [
      {name: 'Each', command: 'echo {{ item }}', loop: ['a', 'b']},
      {name: 'Flat', command: 'echo {{ item }}', with_items: [['c', 'd'], 'e']},
      {
        name: 'Named',
        command: 'echo {{ port.n }}',
        loop: [{n: 80}, {n: 443}],
        loop_control: {loop_var: 'port', label: 'port {{ port.n }}'},
      },
    ],
    ran: ['echo a', 'echo b', 'echo c', 'echo d', 'echo e', 'echo 80', 'echo 443'],
    statuses: [
      'changed: Each',
      'changed: Each',
      'changed: Flat',
      'changed: Flat',
      'changed: Flat',
      'changed: Named',
      'changed: Named',
    ],
  },
  {
    what: 'an empty loop runs nothing and reports the task skipped, as Ansible does; its register says so too',
    tasks: [
      {name: 'None', command: 'echo {{ item }}', loop: [], register: 'empty'},
      {name: 'After', command: 'echo {{ empty.skipped }} {{ empty.results | length }}'},
    ],
    ran: ['echo True 0'],
    statuses: ['skipped: None', 'changed: After'],
  },
  {
    what: 'register and set_fact define variables for the tasks after them, per host',
    tasks: [
      {name: 'Who', command: 'whoami', register: 'who'},
      {name: 'Fact', set_fact: {greeting: 'hello {{ who.stdout }}'}},
      {name: 'Use', command: 'echo {{ greeting }} rc={{ who.rc }}', when: 'who.stdout_lines | length == 1'},
      {name: 'Looped', command: 'echo {{ item }}', loop: ['x', 'y'], register: 'many'},
      {name: 'Results', command: "echo {{ many.results | map(attribute='stdout') | join(',') }}"},
    ],
    ran: ['whoami', 'echo hello h1 rc=0', 'echo x', 'echo y', 'echo x,y'],
    h2ran: ['whoami', 'echo hello h2 rc=0', 'echo x', 'echo y', 'echo x,y'],
    statuses: ['changed: Who', 'ok: Fact', 'changed: Use', 'changed: Looped', 'changed: Looped', 'changed: Results'],
  },
  {
    what: 'changed_when decides whether a task changed, with its own register in scope',
    tasks: [
      echo('never', {changed_when: false}),
      echo('please', {register: 'r', changed_when: "'please' in r.stdout"}),
      echo('thanks', {register: 'r', changed_when: "'please' in r.stdout"}),
    ],
    ran: ['echo never', 'echo please', 'echo thanks'],
    statuses: ['ok: never', 'changed: please', 'ok: thanks'],
  },
  {
    what: 'failed_when decides whether a task failed: a non-zero rc can pass, a zero rc can fail the host',
    tasks: [
      {name: 'Grep-like', command: 'exit 1', register: 'r', failed_when: 'r.rc > 1'},
      {name: 'Says error', command: 'echo error', register: 'r', failed_when: "'error' in r.stdout"},
      echo('after'),
    ],
    ran: ['exit 1', 'echo error'],
    statuses: ['changed: Grep-like', 'failed: Says error'],
    exit: 1,
  },
  {
    what: 'ignore_errors: the failure is reported and the host goes on',
    tasks: [{name: 'Fails', command: 'exit 3', ignore_errors: true}, echo('after')],
    ran: ['exit 3', 'echo after'],
    statuses: ['failed: Fails', 'changed: after'],
  },
  {
    what: '--tags runs the tagged tasks and those tagged always; never runs only when asked for',
    tasks: [
      echo('dhcp', {tags: ['dhcp']}),
      echo('tftp', {tags: 'tftp'}),
      echo('always', {tags: ['always']}),
      echo('never', {tags: ['never', 'debug']}),
    ],
    options: {tags: ['dhcp']},
    ran: ['echo dhcp', 'echo always'],
    statuses: ['changed: dhcp', 'changed: always'],
  },
  {
    what: '--skip-tags skips the tagged tasks, always included when named',
    tasks: [echo('dhcp', {tags: ['dhcp']}), echo('untagged'), echo('always', {tags: ['always']})],
    options: {skipTags: ['dhcp', 'always']},
    ran: ['echo untagged'],
    statuses: ['changed: untagged'],
  },
  {
    what: '--limit runs the play on the hosts it selects only',
    tasks: [echo('limited')],
    options: {limit: 'h2'},
    ran: [],
    h2ran: ['echo limited'],
    statuses: [],
  },
  {
    what: '--start-at-task skips the tasks before the first of that name',
    tasks: [echo('one'), echo('two'), echo('three')],
    options: {startAtTask: 'two'},
    ran: ['echo two', 'echo three'],
    statuses: ['changed: two', 'changed: three'],
  },
  {
    what: 'check mode runs no command: it is skipped, as in Ansible, and is not drift',
    tasks: [echo('planned'), {name: 'Created already', command: 'echo no', args: {creates: '/'}}],
    options: {check: true},
    ran: [],
    statuses: ['skipped: planned', 'ok: Created already'],
  },
];

describe('task keywords', () => {
  for (const c of cases) {
    it(c.what, async () => {
      for (const host of project.hosts) host.commands.length = 0;
      const {report, statuses} = await project.play(c.tasks, c.options);
      assert.deepEqual(project.host('h1').ran(), c.ran);
      assert.deepEqual(project.host('h2').ran(), c.h2ran ?? c.ran);
      assert.deepEqual(report.hosts.some((h) => h.host === 'h1') ? statuses('h1') : [], c.statuses);
      assert.equal(
        exitCodeOf(report),
        c.exit ?? (c.options?.check && c.statuses.some((s) => s.startsWith('changed')) ? 2 : 0),
      );
    });
  }

  it('--diff material: a changed file carries a unified diff, an unchanged one says why it is ok', async () => {
    project.host('h1').withFiles({'/etc/motd': 'old\n'});
    const {outcome} = await project.play([{name: 'Motd', copy: {content: 'new\n', dest: '/etc/motd'}}], {
      check: true,
      limit: 'h1',
    });
    assert.match(outcome('Motd').diff!, /^--- .*\/etc\/motd[\s\S]*^-old$[\s\S]*^\+new$/m);
    await project.play([{name: 'Motd', copy: {content: 'new\n', dest: '/etc/motd'}}], {limit: 'h1'});
    const again = await project.play([{name: 'Motd', copy: {content: 'new\n', dest: '/etc/motd'}}], {limit: 'h1'});
    assert.equal(again.outcome('Motd').status, 'ok');
    assert.equal(again.outcome('Motd').diff, undefined);
  });
});
