/** A playbook over many hosts: each host runs its plays on its own connection, --forks hosts at a time. */
import {performance} from 'node:perf_hooks';
import type {Inventory, Playbook, Vars} from '../config/model.js';
import type {PlayTarget} from '../config/playbook.js';
import {renderConnectionVars} from '../config/connection-vars.js';
import {selectHosts} from '../config/inventory.js';
import {unmatchedPlay} from '../config/validate.js';
import type {Emit, HostReport, RunReport} from './events.js';
import {runHost, type OpenAgent} from './host-run.js';

export interface RunOptions {
  inventory: Inventory;
  playbook: Playbook;
  /** --limit pattern. */
  limit?: string;
  tags: string[];
  skipTags: string[];
  extraVars: Vars;
  forks: number;
  /** Check mode: read-only agents, read + diff only. */
  check: boolean;
  /** --checksum: compare contents, not only sizes and mtimes. */
  checksum?: boolean;
  emit: Emit;
  /** How to reach a host; the SSH transport unless a test injects another. */
  open?: OpenAgent;
  /** Connection variables below every inventory variable (-u, --private-key, -K, ansible.cfg). */
  connectionVars?: Vars;
  /** -b: become, unless a play, a task or a variable says otherwise. */
  become?: boolean;
}

/** The SSH transport: how a run reaches a host unless a test injects another. */
export const openOverSsh: OpenAgent = async (host, vars, readOnly) => {
  const {connect, connectionSpecFromVars} = await import('../transport/index.js');
  return connect(connectionSpecFromVars(host, renderConnectionVars(host, vars)), {readOnly});
};

/** Each host's plays (in playbook order, within --limit), and the plays that match no host. */
export function playsOfHosts<P extends PlayTarget>(
  inventory: Inventory,
  plays: readonly P[],
  limit: string | undefined,
): {playsByHost: Map<string, P[]>; unmatched: P[]} {
  const limited = limit ? new Set(selectHosts(inventory, limit)) : undefined;
  const playsByHost = new Map<string, P[]>();
  const unmatched: P[] = [];
  for (const play of plays) {
    const matched = selectHosts(inventory, play.hosts, {strict: false, what: `play '${play.name}'`});
    if (matched.length === 0) unmatched.push(play);
    for (const host of matched) {
      if (limited && !limited.has(host)) continue;
      playsByHost.set(host, [...(playsByHost.get(host) ?? []), play]);
    }
  }
  return {playsByHost, unmatched};
}

export async function runPlaybook(options: RunOptions): Promise<RunReport> {
  const started = performance.now();
  const {inventory, playbook} = options;
  const {playsByHost, unmatched} = playsOfHosts(inventory, playbook.plays, options.limit);
  const warnings = unmatched.map(unmatchedPlay);
  const hosts = [...playsByHost.keys()];
  // Before run-start: a terminal renderer owns stderr from then on.
  for (const message of warnings) options.emit({type: 'warning', message});
  options.emit({type: 'run-start', playbook: playbook.file, hosts, check: options.check});

  const reports: HostReport[] = [];
  let next = 0;
  const worker = async () => {
    while (next < hosts.length) {
      const host = hosts[next++]!;
      reports.push(
        await runHost({
          host,
          inventory,
          plays: playsByHost.get(host)!,
          extraVars: options.extraVars,
          check: options.check,
          checksum: options.checksum,
          tags: options.tags,
          skipTags: options.skipTags,
          emit: options.emit,
          open: options.open ?? openOverSsh,
          connectionVars: options.connectionVars,
          become: options.become,
        }),
      );
    }
  };
  await Promise.all(Array.from({length: Math.max(1, Math.min(options.forks, hosts.length))}, worker));

  reports.sort((a, b) => hosts.indexOf(a.host) - hosts.indexOf(b.host));
  const report: RunReport = {
    playbook: playbook.file,
    inventory: inventory.source,
    check: options.check,
    drift: options.check && reports.some((r) => r.stats.changed > 0),
    hosts: reports,
    warnings,
    ms: Math.round(performance.now() - started),
  };
  options.emit({type: 'run-done', report});
  return report;
}
