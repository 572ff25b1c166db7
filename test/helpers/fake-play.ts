/**
 * Plays run by the real engine (converge: load, validate, run) on fake hosts (fake-agent.ts): the inputs are
 * files in a temp directory, as a user writes them; the targets live in memory.
 */
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {stringify} from 'yaml';
import {converge, type ConvergeOptions} from '../../src/engine/converge.js';
import type {EngineEvent, RunReport, TaskOutcome} from '../../src/engine/events.js';
import {assertPublishedJson} from './cli.js';
import {FakeHost, openFakes} from './fake-agent.js';

export interface FakePlayOptions extends Partial<Omit<ConvergeOptions, 'inventory' | 'playbook' | 'open' | 'emit'>> {
  /** Play keywords besides hosts and tasks (vars, handlers, become …). */
  play?: Record<string, unknown>;
  /** More plays after this one. */
  plays?: unknown[];
  emit?: (event: EngineEvent) => void;
}

export interface FakeRun {
  report: RunReport;
  events: EngineEvent[];
  /** Each host's outcomes as "status: task". */
  statuses(host?: string): string[];
  outcome(task: string, host?: string): TaskOutcome;
}

export class FakeProject {
  readonly dir = mkdtempSync(join(tmpdir(), 'pxeprov-fake-'));
  readonly hosts: FakeHost[];

  /** `hosts` make the inventory's group `servers`; `vars` are the inventory's vars of all. */
  constructor(hosts: (string | FakeHost)[] = ['t'], vars: Record<string, unknown> = {}) {
    this.hosts = hosts.map((h) => (typeof h === 'string' ? new FakeHost(h) : h));
    this.write(
      'inventory.yaml',
      stringify({all: {children: {servers: {hosts: Object.fromEntries(this.hosts.map((h) => [h.name, null]))}}, vars}}),
    );
  }

  host(name = this.hosts[0]!.name): FakeHost {
    return this.hosts.find((h) => h.name === name)!;
  }

  /** A file of the project (a role's tasks, a template …), relative to its directory. */
  write(path: string, content: string | unknown[] | Record<string, unknown>): string {
    const file = join(this.dir, path);
    mkdirSync(dirname(file), {recursive: true});
    writeFileSync(file, typeof content === 'string' ? content : stringify(content));
    return file;
  }

  /** Runs one play of `tasks` on every host (gather_facts off unless the play says so). */
  async play(tasks: unknown[], options: FakePlayOptions = {}): Promise<FakeRun> {
    const {play, plays = [], emit, ...converging} = options;
    const playbook = this.write('site.yaml', [
      {name: 'Test', hosts: 'all', gather_facts: false, ...play, tasks},
      ...plays,
    ]);
    const events: EngineEvent[] = [];
    const report = await converge({
      inventory: join(this.dir, 'inventory.yaml'),
      playbook,
      tags: [],
      skipTags: [],
      extraVars: [],
      forks: 5,
      check: false,
      ...converging,
      open: openFakes(this.hosts),
      emit: (event) => {
        events.push(event);
        emit?.(event);
      },
    });
    // The report is what --json prints: it must match the published schema.
    assertPublishedJson(['up'], JSON.stringify(report), 0);
    const of = (host = this.hosts[0]!.name) => report.hosts.find((h) => h.host === host)!;
    return {
      report,
      events,
      statuses: (host) => of(host).tasks.map((t) => `${t.status}: ${t.task}`),
      outcome: (task, host) => of(host).tasks.find((t) => t.task === task)!,
    };
  }

  remove(): void {
    rmSync(this.dir, {recursive: true, force: true});
  }
}
