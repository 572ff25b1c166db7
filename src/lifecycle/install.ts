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
import type {PowerReport} from '../power/power.js';

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
  /** --reboot: the power step of each host put into build mode (next boot PXE, power cycle). */
  power?: PowerReport;
}

export async function startBuilds(options: InstallOptions): Promise<InstallResult> {
  const inputs = loadInputs({
    inventory: options.inventory,
    playbook: options.playbook,
    extraVars: options.extraVars,
    rolesPath: options.rolesPath,
    vaultPasswordFiles: options.vaultPasswordFiles,
  });
  const names = [...new Set(options.hosts)];
  // Every bad name fails here, before any server is touched.
  const targets = installTargets(pxeServers(inputs), names);
  const byServer = new Map<string, string[]>();
  for (const [name, servers] of targets)
    for (const s of servers) byServer.set(s.server, [...(byServer.get(s.server) ?? []), name]);

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
    const menus = (report.hosts[0]?.tasks.find((t) => t.task === BUILD_STATE_TASK && t.status === 'changed')?.result
      ?.hosts ?? []) as HostMenu[];
    for (const name of hosts) {
      const menu = menus.find((m) => m.name === name);
      const entry = targets
        .get(name)!
        .find((s) => s.server === server)!
        .reservations.find((r) => r.name === name)!;
      result.hosts.push({
        name,
        server,
        profile: menu?.profile ?? entry.profile ?? entry.profiles![0]!,
        state: failed || !menu ? 'failed' : 'build',
        since: failed ? undefined : menu?.since,
      });
    }
  }
  return result;
}

/** One line per host, for the terminal; with --reboot, what its BMC did (or why the host waits in build mode). */
export function installText(result: InstallResult): string {
  const power = new Map(result.power?.hosts.map((p) => [p.host, p]));
  return (
    result.hosts
      .map((h) => {
        if (h.state !== 'build') return `${h.name}: not put into build mode (the run on ${h.server} failed)`;
        const line = `${h.name}: build mode since ${h.since} on ${h.server}; its next network boot installs ${h.profile}`;
        const p = power.get(h.name);
        if (!p) return line;
        if (p.ok) return `${line}\n${h.name}: ${p.done} through its BMC (${p.bmc})`;
        return `${line}\n${h.name}: its power cycle FAILED, it stays in build mode: ${p.error?.code} ${p.error?.message}${p.error?.hint ? ` (hint: ${p.error.hint})` : ''}; power it on by hand, or fix it and run pxeprov power cycle ${h.name}`;
      })
      .join('\n') + '\n'
  );
}
