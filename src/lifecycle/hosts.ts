/**
 * `pxeprov hosts`: where each dhcp_hosts machine stands, read from its PXE server in one round trip (the
 * build states, the lease file, the journal of dhcpd and tftpd, nginx's access log) through a read-only
 * agent. It changes nothing.
 */
import type {Vars} from '../config/model.js';
import {loadInputs} from '../config/validate.js';
import {openOverSsh} from '../engine/run.js';
import {PxeError} from '../errors.js';
import type {Agent} from '../transport/types.js';
import {isInstallFile, parseAccessLog, parseJournal, parseLeases, type FetchEvent, type LeaseEvent} from './logs.js';
import {hostProfiles, macFile, type Reservation} from './menus.js';
import {pxeServers, type ServerHosts} from './reservations.js';
import {parseBuildState, type BuildState} from './state.js';

/** shared: no profile, it boots the shared menu; always: it reinstalls at every boot. */
export type HostState = 'local' | 'build' | 'installing' | 'done' | 'always' | 'shared';

export interface HostRow {
  name: string;
  server: string;
  mac?: string;
  ip?: string;
  profiles: string[];
  /** What a build installs. */
  profile?: string;
  state: HostState;
  /** build / installing: since when; done: when the installer called back. */
  at?: string;
  lastLease?: LeaseEvent;
  lastBootFile?: FetchEvent;
  lastInstallFile?: FetchEvent;
}

export interface HostsResult {
  hosts: HostRow[];
}

export interface ServerRecords {
  states: Map<string, BuildState | undefined>;
  leases: LeaseEvent[];
  fetches: FetchEvent[];
}

const LEASES = '/var/lib/dhcp/dhcpd.leases';
const ACCESS_LOG = '/var/log/nginx/access.log';
/** The last lines are enough for "last": bounded so that a big log costs the same. */
const LOG_LINES = '20000';

const latest = <T extends {at: string}>(events: T[]): T | undefined =>
  events.reduce<T | undefined>((a, b) => (!a || b.at >= a.at ? b : a), undefined);

/** One row per reservation, from the server's records. Pure. */
export function hostRows(
  server: string,
  reservations: Reservation[],
  records: ServerRecords,
  tftpMenuDirs = ['pxelinux.cfg/', 'grub/', 'ipxe/'],
): HostRow[] {
  // nginx serves the TFTP root under /tftp/ (iPXE's scripts, pxelinux under iPXE).
  const tftpPath = (f: FetchEvent) => (f.via === 'http' ? f.path.replace(/^tftp\//, '') : f.path);
  return reservations.map((host) => {
    const mac = host.mac?.toLowerCase().replaceAll('-', ':');
    const lastLease = latest(records.leases.filter((l) => l.mac === mac));
    const ip = host.ip ?? lastLease?.ip;
    const menuFile = mac ? macFile(mac) : undefined;
    const mine = records.fetches.filter(
      (f) =>
        (ip !== undefined && f.ip === ip) ||
        (menuFile !== undefined &&
          tftpMenuDirs.some((d) => tftpPath(f).startsWith(d)) &&
          [menuFile, `${menuFile}.ipxe`].some((name) => tftpPath(f).endsWith(name))),
    );
    const lastInstallFile = latest(mine.filter((f) => isInstallFile(f.path)));
    const lastBootFile = latest(mine.filter((f) => !isInstallFile(f.path) && !f.path.startsWith('pxeprov/')));
    const profiles = hostProfiles(host);
    const row: HostRow = {
      name: host.name,
      server,
      mac,
      ip,
      profiles,
      profile: profiles.length ? (host.profile ?? profiles[0]) : undefined,
      state: 'local',
      lastLease,
      lastBootFile,
      lastInstallFile,
    };
    const state = records.states.get(host.name);
    if (profiles.length === 0) row.state = 'shared';
    else if (host.install === 'always') row.state = 'always';
    else if (state?.mode === 'build') {
      const since = state.since ?? '';
      const started = [lastBootFile, lastInstallFile].some((f) => f && f.at >= since);
      row.state = started ? 'installing' : 'build';
      row.at = state.since;
    } else if (state?.done) {
      row.state = 'done';
      row.at = state.done;
    }
    return row;
  });
}

/** Reads one server's records in one round trip. Only a missing file is "none"; a journal that cannot be read fails. */
export async function readServerRecords(agent: Agent, server: ServerHosts, stateDir: string): Promise<ServerRecords> {
  const named = server.reservations.filter((r) => hostProfiles(r).length > 0 && r.install !== 'always');
  const [states, leases, access, journal] = await Promise.all([
    Promise.all(named.map((r) => agent.readFile(`${stateDir}/${r.name}`))),
    agent.readFile(LEASES),
    agent.exec(['sh', '-c', 'if [ -e "$1" ]; then tail -n "$2" -- "$1"; fi', 'sh', ACCESS_LOG, LOG_LINES]),
    agent.exec(['journalctl', '-q', '--no-pager', '-o', 'short-iso', '-t', 'dhcpd', '-t', 'in.tftpd', '-n', LOG_LINES]),
  ]);
  for (const [what, r] of [
    ['nginx access log', access],
    ['journal (journalctl)', journal],
  ] as const) {
    if (r.rc !== 0) {
      throw new PxeError(
        'E_REMOTE',
        `${server.server}: cannot read the ${what}: ${r.stderr.toString().trim() || `exit ${r.rc}`}`,
        {
          where: {host: server.server},
          hint: 'pxeprov hosts reads them as root (become): check ansible_become and the login',
        },
      );
    }
  }
  const fromJournal = parseJournal(journal.stdout.toString('utf8'));
  const stateOf = new Map<string, BuildState | undefined>();
  named.forEach((r, i) => {
    const content = states[i];
    stateOf.set(
      r.name,
      content === null
        ? undefined
        : parseBuildState(content!.toString('utf8'), {host: server.server, file: `${stateDir}/${r.name}`}),
    );
  });
  return {
    states: stateOf,
    leases: [...(leases === null ? [] : parseLeases(leases.toString('utf8'), LEASES)), ...fromJournal.leases],
    fetches: [...fromJournal.fetches, ...parseAccessLog(access.stdout.toString('utf8'))],
  };
}

export interface HostsOptions {
  inventory: string;
  playbook: string;
  extraVars: string[];
  rolesPath?: string[];
  vaultPasswordFiles?: string[];
  connectionVars?: Vars;
  become?: boolean;
  /** How to reach a server (the SSH transport unless a test injects another). */
  open?: (host: string, vars: Vars) => Promise<Agent>;
}

export async function listHosts(options: HostsOptions): Promise<HostsResult> {
  const inputs = loadInputs({
    inventory: options.inventory,
    playbook: options.playbook,
    extraVars: options.extraVars,
    rolesPath: options.rolesPath,
    vaultPasswordFiles: options.vaultPasswordFiles,
  });
  const servers = pxeServers(inputs);
  const open = options.open ?? ((host: string, vars: Vars) => openOverSsh(host, vars, true));
  const rows = await Promise.all(
    servers.map(async (server) => {
      const inventoryVars = {
        ...options.connectionVars,
        ...inputs.inventory.hosts.get(server.server)?.vars,
        ...inputs.extraVars,
      };
      const become =
        (inventoryVars.ansible_become as boolean | undefined) ?? server.play.become ?? options.become ?? false;
      const agent = await open(server.server, {
        ...inventoryVars,
        ansible_become: become,
        ansible_become_user: inventoryVars.ansible_become_user ?? server.play.becomeUser ?? 'root',
      });
      try {
        const {renderValue} = await import('../config/template.js');
        const stateDir = String(renderValue(server.vars.pxe_build_state_dir, server.vars, {host: server.server}));
        return hostRows(server.server, server.reservations, await readServerRecords(agent, server, stateDir));
      } finally {
        await agent.close();
      }
    }),
  );
  return {hosts: rows.flat()};
}

/** A table for the terminal: one row per host, times in UTC. */
export function hostsText(result: HostsResult): string {
  const stateText = (r: HostRow) =>
    r.state === 'build'
      ? `build since ${r.at}`
      : r.state === 'installing'
        ? `installing since ${r.at}`
        : r.state === 'done'
          ? `done at ${r.at}`
          : r.state;
  const fetch = (f?: FetchEvent) => (f ? `${f.at} ${f.path}` : '-');
  const head = ['NAME', 'SERVER', 'MAC', 'IP', 'PROFILE', 'STATE', 'LAST DHCP', 'LAST BOOT FILE', 'LAST INSTALL FILE'];
  const rows = result.hosts.map((r) => [
    r.name,
    r.server,
    r.mac ?? '-',
    r.ip ?? '-',
    r.profiles.length > 1 ? `${r.profile} (of ${r.profiles.join(',')})` : (r.profile ?? '-'),
    stateText(r),
    r.lastLease?.at ?? '-',
    fetch(r.lastBootFile),
    fetch(r.lastInstallFile),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  return (
    [head, ...rows]
      .map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  '))
      .join('\n') + '\n'
  );
}
