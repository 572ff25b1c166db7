/**
 * One host through its plays: one connection, one agent (one per become user); each play's tasks read
 * ahead (pipelined), diffed, applied, then its notified handlers (play-run.ts).
 */
import {performance} from 'node:perf_hooks';
import type {Inventory, Play, Task, Vars} from '../config/model.js';
import type {PlayTarget} from '../config/playbook.js';
import {PxeError} from '../errors.js';
import type {Agent} from '../transport/types.js';
import type {Emit, HostReport, TaskOutcome} from './events.js';
import {emptyStats} from './events.js';
import {lockTarget} from './target-lock.js';
import {errorReport} from './outcome.js';
import {runPlay, type PlayRunContext} from './play-run.js';
import {Redactor, secretValues} from './redact.js';
import {taskVars, type HostScope} from './scope.js';

/** Opens the agent for a host (its connection vars already merged); readOnly in check mode. */
export type OpenAgent = (host: string, vars: Vars, readOnly: boolean) => Promise<Agent>;

export interface HostRunOptions {
  host: string;
  inventory: Inventory;
  plays: Play[];
  extraVars: Vars;
  check: boolean;
  /** --checksum: modules compare contents where they otherwise trust size and mtime. */
  checksum?: boolean;
  tags: string[];
  skipTags: string[];
  emit: Emit;
  open: OpenAgent;
  /** Connection variables below every inventory variable (-u, --private-key, -K, ansible.cfg). */
  connectionVars?: Vars;
  /** -b: become, unless a play, a task or a variable says otherwise. */
  become?: boolean;
}

function lockOptions(vars: Vars): {stateDir: string; timeoutS: number} {
  const timeoutS = Number(vars.pxeprov_lock_timeout ?? 60);
  if (!Number.isFinite(timeoutS) || timeoutS < 0) {
    throw new PxeError(
      'E_VARS',
      `pxeprov_lock_timeout must be a number of seconds, got ${JSON.stringify(vars.pxeprov_lock_timeout)}`,
      {hint: 'for example pxeprov_lock_timeout: 300'},
    );
  }
  // A run's lock is runtime state: /run (gone at reboot, and no write under /var/lib for a run that
  // changes nothing), unless the host keeps its state elsewhere.
  const dir = vars.pxeprov_lock_dir ?? vars.pxeprov_state_dir ?? '/run/pxeprov';
  return {stateDir: String(dir), timeoutS};
}

/**
 * The run's lock on the target. Held by another run: the host fails (and this agent is closed). A login
 * that cannot write the state dir (no become) runs without one, and says so.
 */
async function takeLock(agent: Agent, options: {stateDir: string; timeoutS: number}, emit: Emit): Promise<Agent> {
  try {
    await lockTarget(agent, options);
  } catch (error) {
    if (error instanceof PxeError && error.code === 'E_REMOTE') {
      emit({
        type: 'warning',
        message: `${agent.host}: no run lock (${error.message}); another run at the same time could interleave with this one`,
      });
      return agent;
    }
    await agent.close();
    throw error;
  }
  return agent;
}

/** The variables a host connects with: -u, --private-key, ansible.cfg …, below the inventory's, below -e. */
export function hostConnectionVars(inventory: Inventory, host: string, extraVars: Vars, connectionVars?: Vars): Vars {
  return {...connectionVars, ...inventory.hosts.get(host)?.vars, ...extraVars};
}

/**
 * The agent a task runs on (a play's first agent: no task), as its key among the host's agents and the
 * variables it is opened with: its become settings, else the inventory's, else its play's, else -b.
 */
export function agentRequest(
  inventoryVars: Vars,
  play: PlayTarget,
  task: Task | undefined,
  defaultBecome: boolean | undefined,
): {key: string; vars: Vars} {
  const become =
    task?.become ?? (inventoryVars.ansible_become as boolean | undefined) ?? play.become ?? defaultBecome ?? false;
  const becomeUser =
    task?.becomeUser ?? (inventoryVars.ansible_become_user as string | undefined) ?? play.becomeUser ?? 'root';
  return {
    key: become ? `become:${becomeUser}` : 'plain',
    vars: {...inventoryVars, ansible_become: become, ansible_become_user: becomeUser},
  };
}

/** A host's agents, one per become user and one without become, each opened on first use. */
class HostAgents {
  private readonly agents = new Map<string, Promise<Agent>>();

  constructor(
    private readonly options: HostRunOptions,
    private readonly inventoryVars: Vars,
  ) {}

  /** The agent for a task (see agentRequest). */
  for(play: Play, task?: Task): Promise<Agent> {
    const {options, inventoryVars} = this;
    const {key, vars} = agentRequest(inventoryVars, play, task, options.become);
    if (!this.agents.has(key)) {
      let opened = options.open(options.host, vars, options.check);
      // The first agent that may write takes the run's lock; the others of this host work under it.
      if (!options.check && this.agents.size === 0)
        opened = opened.then((agent) => takeLock(agent, lockOptions(inventoryVars), options.emit));
      // Marked handled here; every use awaits it and sees the failure.
      opened.catch(() => undefined);
      this.agents.set(key, opened);
    }
    return this.agents.get(key)!;
  }

  async close(): Promise<void> {
    await Promise.all(
      [...this.agents.values()].map((a) =>
        a.then(
          (agent) => agent.close(),
          () => undefined,
        ),
      ),
    );
  }
}

/** An outcome in the host's report (secrets masked), counted as Ansible counts: ok includes changed tasks and ignored failures. */
function recordOutcome(report: HostReport, redactor: Redactor, outcome: TaskOutcome): TaskOutcome {
  const clean = {
    ...outcome,
    summary: redactor.text(outcome.summary),
    diff: redactor.text(outcome.diff),
    item: redactor.text(outcome.item),
    result: redactor.value(outcome.result),
  };
  report.tasks.push(clean);
  if (clean.status === 'failed') report.stats[clean.ignored ? 'ignored' : clean.rescued ? 'rescued' : 'failed']++;
  else if (clean.status === 'skipped') report.stats.skipped++;
  if (clean.status === 'ok' || clean.status === 'changed' || clean.ignored) report.stats.ok++;
  if (clean.status === 'changed') report.stats.changed++;
  return clean;
}

export async function runHost(options: HostRunOptions): Promise<HostReport> {
  const {host, emit} = options;
  const started = performance.now();
  const report: HostReport = {host, stats: emptyStats(), tasks: [], ms: 0};
  const redactor = new Redactor();
  const inventoryVars = hostConnectionVars(options.inventory, host, options.extraVars, options.connectionVars);
  redactor.add(secretValues(inventoryVars));
  emit({type: 'host-start', host});
  const agents = new HostAgents(options, inventoryVars);
  const record = (outcome: TaskOutcome) => emit({type: 'task-done', outcome: recordOutcome(report, redactor, outcome)});
  try {
    await runPlays({...options, redactor, record, agentFor: (play, task) => agents.for(play, task)}, report);
  } catch (error) {
    report.error = errorReport(error, redactor);
    if (report.stats.unreachable === 0) report.stats.failed++;
  } finally {
    await agents.close();
  }
  report.ms = Math.round(performance.now() - started);
  emit({type: 'host-done', report});
  return report;
}

/** The host's plays in order, until one fails the host. */
async function runPlays(run: HostRunOptions & PlayRunContext, report: HostReport): Promise<void> {
  const {host, emit} = run;
  const hostFacts: Vars = {};
  for (const play of run.plays) {
    const connectStarted = performance.now();
    const agent = await run.agentFor(play).catch((error) => {
      // A target held by another run was reached: it fails, it is not unreachable.
      if (!(error instanceof PxeError && error.code === 'E_LOCKED')) report.stats.unreachable = 1;
      throw error;
    });
    if (play === run.plays[0]) emit({type: 'host-connected', host, ms: Math.round(performance.now() - connectStarted)});
    emit({type: 'play-start', host, play: play.name});
    const scope: HostScope = {
      host,
      inventory: run.inventory,
      play,
      facts: play.gatherFacts ? agent.facts : undefined,
      hostFacts,
      extraVars: run.extraVars,
    };
    run.redactor.add(secretValues(taskVars(scope)));
    if (await runPlay(play, scope, agent, run)) return;
  }
}
