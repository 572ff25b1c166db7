/**
 * The first hosts connect while the inputs are still being checked (engine/early-open.ts): their agents
 * are opened before the run starts and used by it, never opened twice; with invalid inputs they are closed
 * unused, the target is not changed, and only the input errors come back, even from an unreachable host.
 */
import assert from 'node:assert/strict';
import {join} from 'node:path';
import {describe, it} from 'node:test';
import {converge} from '../../src/engine/converge.js';
import type {EngineEvent} from '../../src/engine/events.js';
import type {OpenAgent} from '../../src/engine/host-run.js';
import {PxeErrors} from '../../src/errors.js';
import {FakeHost, openFakes} from '../helpers/fake-agent.js';
import {FakeProject} from '../helpers/fake-play.js';

/** The opens of a run, and how many events the run had emitted at each. */
function recordingOpen(hosts: FakeHost[]): {
  open: OpenAgent;
  opens: {host: string; eventsBefore: number}[];
  closed: string[];
  events: EngineEvent[];
} {
  const fakes = openFakes(hosts);
  const opens: {host: string; eventsBefore: number}[] = [];
  const closed: string[] = [];
  const events: EngineEvent[] = [];
  const open: OpenAgent = async (host, vars, readOnly) => {
    opens.push({host, eventsBefore: events.length});
    const agent = await fakes(host, vars, readOnly);
    const close = agent.close.bind(agent);
    agent.close = async () => {
      closed.push(host);
      await close();
    };
    return agent;
  };
  return {open, opens, closed, events};
}

function run(project: FakeProject, tasks: unknown[], recording: ReturnType<typeof recordingOpen>, forks = 5) {
  const playbook = project.write('site.yaml', [{name: 'Test', hosts: 'all', gather_facts: false, tasks}]);
  return converge({
    inventory: join(project.dir, 'inventory.yaml'),
    playbook,
    tags: [],
    skipTags: [],
    extraVars: [],
    forks,
    check: false,
    open: recording.open,
    emit: (event) => recording.events.push(event),
  });
}

const writeTask = {name: 'A directory', file: {path: '/srv/app', state: 'directory'}};

describe('connecting while the inputs are checked', () => {
  it('opens the first --forks hosts before the run starts, and the run uses those agents', async () => {
    const project = new FakeProject(['h1', 'h2', 'h3']);
    const recording = recordingOpen(project.hosts);
    const report = await run(project, [writeTask], recording, 2);
    assert.deepEqual(
      recording.opens.map((o) => [o.host, o.eventsBefore === 0]),
      [
        ['h1', true],
        ['h2', true],
        ['h3', false],
      ],
      'h1 and h2 opened before any event of the run, h3 when a worker took it',
    );
    assert.deepEqual(
      report.hosts.map((h) => [h.host, h.stats.changed]),
      [
        ['h1', 1],
        ['h2', 1],
        ['h3', 1],
      ],
    );
    assert.deepEqual(recording.closed.sort(), ['h1', 'h2', 'h3'], 'each agent opened once and closed once');
  });

  it('invalid inputs: the early agents are closed unused and the target is not changed', async () => {
    const project = new FakeProject(['h1']);
    const recording = recordingOpen(project.hosts);
    const invalid = [writeTask, {name: 'Broken', copy: {content: '{{ unclosed', dest: '/srv/other'}}];
    await assert.rejects(
      run(project, invalid, recording),
      (e: unknown) => e instanceof PxeErrors && e.errors.every((x) => x.code === 'E_TEMPLATE'),
    );
    assert.deepEqual(
      recording.opens.map((o) => o.host),
      ['h1'],
      'connected while the inputs were checked',
    );
    assert.deepEqual(recording.closed, ['h1']);
    assert.deepEqual(project.host('h1').changes, []);
    assert.deepEqual(recording.events, [], 'nothing of the run was reported');
  });

  it('connects before the roles and tasks load: a playbook error found then closes the agent unused', async () => {
    const project = new FakeProject(['h1']);
    const recording = recordingOpen(project.hosts);
    await assert.rejects(
      run(project, [writeTask, {name: 'Unknown', no_such_module: {}}], recording),
      (e: unknown) => e instanceof PxeErrors && e.errors.map((x) => x.code).join() === 'E_UNKNOWN_MODULE',
    );
    assert.deepEqual(
      recording.opens.map((o) => o.host),
      ['h1'],
    );
    assert.deepEqual(recording.closed, ['h1']);
    assert.deepEqual(project.host('h1').changes, []);
  });

  it('an unreachable host with invalid inputs: the input errors, not the connection error', async () => {
    const down = new FakeHost('down');
    down.unreachable = true;
    const project = new FakeProject([down]);
    const recording = recordingOpen(project.hosts);
    await assert.rejects(
      run(project, [{name: 'Broken', template: {src: 'missing.j2', dest: '/srv/x'}}], recording),
      (e: unknown) => e instanceof PxeErrors && e.errors.map((x) => x.code).join() === 'E_FILE_NOT_FOUND',
    );
    assert.deepEqual(
      recording.opens.map((o) => o.host),
      ['down'],
    );
  });
});
