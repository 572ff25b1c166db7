/**
 * dhcp_guard: before pxeprov first enables a DHCP server on an interface, look for another DHCP server
 * on that segment (nmap's broadcast DHCPDISCOVER, which never requests a lease) and refuse if one answers:
 * a rogue DHCP server can take a whole office network down.
 */
import {PxeError} from '../errors.js';
import type {Agent} from '../transport/types.js';
import type {DataSource, TaskContext} from './types.js';

export interface DhcpGuardArgs {
  iface: string;
  force?: boolean;
  /** Seconds to wait for offers. */
  timeout?: number;
}

export interface Offer {
  server: string;
  offered?: string;
}

interface Observed {
  /** pxeprov's own server already serves this interface: nothing to look for. */
  ours: boolean;
  nmap: boolean;
  offers: Offer[];
  /** Why the look could not be done: then nobody knows whether another server answers. */
  scanError?: string;
}

const DEFAULTS = '/etc/default/isc-dhcp-server';
const CONFIG = '/etc/dhcp/dhcpd.conf';
const MARK = 'Managed by pxeprov';

/** nmap --script broadcast-dhcp-discover output -> offers. */
export function parseDiscover(stdout: string): Offer[] {
  const offers: Offer[] = [];
  for (const block of stdout.split(/Response \d+ of \d+:/).slice(1)) {
    const server = /Server Identifier: (\S+)/.exec(block)?.[1];
    if (server) offers.push({server, offered: /IP Offered: (\S+)/.exec(block)?.[1]});
  }
  return offers;
}

/**
 * Why an nmap DHCP scan did not really run, or undefined when it did. nmap exits 0 with a script that
 * failed (an interface that is down: "Script execution failed", and an NSOCK/pcap error on stderr), so
 * the exit status alone is not enough: anything on stderr but the "no targets" note is a failure.
 */
export function scanProblem(rc: number, stdout: string, stderr: string): string | undefined {
  const errors = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^WARNING: No targets were specified/.test(l));
  if (rc !== 0) return `nmap exited ${rc}${errors.length ? `: ${errors.join(' ')}` : ''}`;
  const failed = /broadcast-dhcp-discover: ERROR[^\n]*/.exec(stdout);
  if (failed) return `nmap's DHCP script failed (${failed[0]})${errors.length ? `: ${errors.join(' ')}` : ''}`;
  if (errors.length) return `nmap reported: ${errors.join(' ')}`;
  return undefined;
}

/** The interfaces isc-dhcp-server is told to serve in /etc/default/isc-dhcp-server. */
export function servedInterfaces(defaults: string): string[] {
  const line = /^INTERFACESv4="([^"]*)"/m.exec(defaults);
  return line ? line[1]!.split(/\s+/).filter(Boolean) : [];
}

export const dhcpGuard: DataSource<DhcpGuardArgs, Observed> = {
  name: 'dhcp_guard',
  readOnly: true,
  slowRead: true,
  schema: {
    type: 'object',
    description: 'Refuse to enable a DHCP server on an interface where another one already answers.',
    properties: {
      iface: {type: 'string', pattern: '^[A-Za-z0-9_.:-]{1,15}$', description: 'The interface the DHCP server is for.'},
      force: {type: 'boolean', description: 'Skip the check.'},
      timeout: {
        type: 'integer',
        minimum: 1,
        maximum: 60,
        description:
          'Seconds to wait for offers (default 3: servers that ping an address before offering it, ISC dhcpd and busybox udhcpd among them, answer after about 1-2 s).',
      },
    },
    required: ['iface'],
    additionalProperties: false,
  },

  async read(args, agent: Agent) {
    if (args.force) return {ours: false, nmap: false, offers: []};
    const [defaults, config, nmap] = await Promise.all([
      agent.readFile(DEFAULTS),
      agent.readFile(CONFIG),
      agent.stat(['/usr/bin/nmap']),
    ]);
    const ours =
      (config?.toString().includes(MARK) ?? false) && servedInterfaces(defaults?.toString() ?? '').includes(args.iface);
    if (ours || nmap[0]!.kind === 'absent') return {ours, nmap: nmap[0]!.kind !== 'absent', offers: []};
    const timeout = args.timeout ?? 3;
    const scan = await agent.exec(
      [
        'nmap',
        '-e',
        args.iface,
        '--script',
        'broadcast-dhcp-discover',
        '--script-args',
        `broadcast-dhcp-discover.timeout=${timeout}s`,
      ],
      {timeout: timeout + 30},
    );
    // The host's own server (an earlier run, another interface) is no rogue.
    const own = new Set(agent.facts.interfaces.flatMap((i) => i.ipv4.map((cidr) => cidr.split('/')[0])));
    const stdout = scan.stdout.toString();
    const scanError = scanProblem(scan.rc, stdout, scan.stderr.toString());
    return {
      ours,
      nmap: true,
      offers: scanError ? [] : parseDiscover(stdout).filter((offer) => !own.has(offer.server)),
      scanError,
    };
  },

  report(args, observed, ctx: TaskContext) {
    if (args.force) return {ok: 'check skipped (dhcp_force)'};
    if (observed.ours) return {ok: `pxeprov's DHCP server already serves ${args.iface}`};
    if (!observed.nmap) {
      if (ctx.checkMode) return {ok: 'would look for other DHCP servers once nmap is installed'};
      throw new PxeError('E_TASK', 'nmap is needed to look for other DHCP servers', {
        hint: 'the common role installs it; or set dhcp_force: true',
      });
    }
    if (observed.scanError) {
      throw new PxeError('E_TASK', `could not look for other DHCP servers on ${args.iface}: ${observed.scanError}`, {
        where: {host: ctx.host, task: ctx.task.name},
        hint: 'a DHCP server is enabled only once the look succeeded (is the interface up, nmap working?); dhcp_force: true turns the guard off',
      });
    }
    if (observed.offers.length > 0) {
      const servers = observed.offers.map((o) => `${o.server}${o.offered ? ` (offered ${o.offered})` : ''}`).join(', ');
      throw new PxeError('E_TASK', `another DHCP server answers on ${args.iface}: ${servers}`, {
        where: {host: ctx.host, task: ctx.task.name},
        hint: 'use dhcp_mode: proxy to add PXE beside it, or set dhcp_force: true if you are sure',
      });
    }
    return {ok: `no other DHCP server answers on ${args.iface}`};
  },
};
