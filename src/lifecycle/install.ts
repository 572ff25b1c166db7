/**
 * `pxeprov install HOST...`: puts hosts into build mode, on purpose and once. On each PXE server that
 * reserves them, one run of the playbook's per-host menu tasks (tag pxe_menus) over one connection and
 * agent: the build_state module writes each host's state (a new token, the start time), then the host's
 * BIOS and UEFI menus are rendered from it and default to its profile. The installer's callback turns
 * them back to local boot on the server itself.
 */
import type {Vars} from '../config/model.js';
import {loadInputs} from '../config/validate.js';
import type {Emit, RunReport} from '../engine/events.js';
import {exitCodeOf} from '../engine/events.js';
import {runPlaybook} from '../engine/run.js';
import type {HostMenu} from './menus.js';
import {installTargets, pxeServers} from './reservations.js';

/** The task that writes the state and registers the menus (roles/syslinux). */
export const BUILD_STATE_TASK = 'Build state of the hosts with their own menu';
/** The extra variable that names the hosts to start (read by that task). */
export const INSTALL_HOSTS_VAR = 'pxeprov_install_hosts';

export interface InstallOptions {
  inventory: string;
  playbook: string;
  hosts: string[];
  extraVars: string[];
  forks: number;
  rolesPath?: string[];
  vaultPasswordFiles?: string[];
  connectionVars?: Vars;
  become?: boolean;
  emit: Emit;
}

export interface InstallHost {
  name: string;
  server: string;
  profile: string;
  /** build when the server took it; unchanged when its run failed. */
  state: 'build' | 'failed';
  since?: string;
}

export interface InstallResult {
  ok: boolean;
  hosts: InstallHost[];
  /** Each server's run (what `up --json` prints), in server order. */
  runs: RunReport[];
}

export async function startBuilds(options: InstallOptions): Promise<InstallResult> {
  const inputs = loadInputs({inventory: options.inventory, playbook: options.playbook, extraVars: options.extraVars, rolesPath: options.rolesPath, vaultPasswordFiles: options.vaultPasswordFiles});
  const names = [...new Set(options.hosts)];
  // Every bad name fails here, before any server is touched.
  const targets = installTargets(pxeServers(inputs), names);
  const byServer = new Map<string, string[]>();
  for (const [name, servers] of targets) for (const s of servers) byServer.set(s.server, [...(byServer.get(s.server) ?? []), name]);

  const result: InstallResult = {ok: true, hosts: [], runs: []};
  for (const [server, hosts] of byServer) {
    const report = await runPlaybook({
      inventory: inputs.inventory,
      playbook: inputs.playbook,
      limit: server,
      tags: ['pxe_menus'],
      skipTags: [],
      extraVars: {...inputs.extraVars, [INSTALL_HOSTS_VAR]: hosts},
      forks: options.forks,
      check: false,
      emit: options.emit,
      connectionVars: options.connectionVars,
      become: options.become,
    });
    result.runs.push(report);
    const failed = exitCodeOf(report) !== 0;
    result.ok &&= !failed;
    const menus = (report.hosts[0]?.tasks.find((t) => t.task === BUILD_STATE_TASK && t.status === 'changed')?.result?.hosts ?? []) as HostMenu[];
    for (const name of hosts) {
      const menu = menus.find((m) => m.name === name);
      const entry = targets.get(name)!.find((s) => s.server === server)!.reservations.find((r) => r.name === name)!;
      result.hosts.push({name, server, profile: menu?.profile ?? entry.profile ?? entry.profiles![0]!, state: failed || !menu ? 'failed' : 'build', since: failed ? undefined : menu?.since});
    }
  }
  return result;
}

/** One line per host, for the terminal. */
export function installText(result: InstallResult): string {
  return result.hosts
    .map((h) => (h.state === 'build' ? `${h.name}: build mode since ${h.since} on ${h.server}; its next network boot installs ${h.profile}` : `${h.name}: not put into build mode (the run on ${h.server} failed)`))
    .join('\n') + '\n';
}
