/**
 * network: a static IPv4 address on the PXE interface, written for whatever owns the interface
 * (netplan, ifupdown or NetworkManager) and made live only when the files or the running address differ.
 */
import {PxeError} from '../../errors.js';
import {stateText, unifiedDiff} from '../../report/diff.js';
import type {Agent, Facts} from '../../transport/types.js';
import {applyContent, diffContent, readContent, type ContentObserved, type ContentPlan} from '../content.js';
import {isChange, type Resource, type TaskContext} from '../types.js';
import {
  backends,
  IFUPDOWN_SOURCE,
  nmUnmanagedFile,
  type BackendName,
  type StaticAddress,
  type WantedFile,
} from './backends.js';

export interface NetworkArgs {
  iface: string;
  address: string;
  gateway?: string;
  dns?: string[];
  backend?: 'auto' | BackendName;
  /** Reconfigure the interface the SSH connection arrives on. */
  force?: boolean;
}

const TOOLS = {
  netplan: '/usr/sbin/netplan',
  ifupdown: '/usr/sbin/ifup',
  NetworkManager: '/usr/sbin/NetworkManager',
} as const;
const INTERFACES = '/etc/network/interfaces';

interface Observed {
  tools: Record<BackendName, boolean>;
  nmRunning: boolean;
  /** null when the interface does not exist. */
  addresses: string[] | null;
  files: Map<string, ContentObserved>;
  facts: Facts;
}

export interface NetworkPlan {
  files: ContentPlan[];
  activate: string[][];
  iface: string;
  address: string;
}

function wanted(args: NetworkArgs): StaticAddress {
  return {iface: args.iface, address: args.address, gateway: args.gateway, dns: args.dns ?? []};
}

/** The files every backend could want, read in the same round trip as the rest. */
function candidateFiles(args: NetworkArgs): WantedFile[] {
  return [...Object.values(backends).flatMap((b) => b.files(wanted(args))), nmUnmanagedFile(args.iface)];
}

/** ip -o -4 addr show output -> CIDRs. */
export function parseIpAddr(stdout: string): string[] {
  return [...stdout.matchAll(/\binet (\d+\.\d+\.\d+\.\d+\/\d+)/g)].map((m) => m[1]!);
}

/** The backend that owns the interface, or the one the host has. */
export function chooseBackend(
  args: NetworkArgs,
  observed: Pick<Observed, 'tools' | 'nmRunning' | 'facts'>,
): BackendName {
  if (args.backend && args.backend !== 'auto') return args.backend;
  const owner = observed.facts.interfaces.find((i) => i.name === args.iface)?.manager;
  if (owner && owner !== 'none') return owner;
  if (observed.tools.netplan) return 'netplan';
  if (observed.nmRunning && observed.tools.NetworkManager) return 'NetworkManager';
  if (observed.tools.ifupdown) return 'ifupdown';
  throw new PxeError(
    'E_TASK',
    `nothing on the host can configure ${args.iface}: no netplan, NetworkManager or ifupdown`,
    {
      hint: 'install ifupdown (apt: name: ifupdown) or set network_backend',
    },
  );
}

/** The main /etc/network/interfaces with the interfaces.d source line, or an error when it defines the interface itself. */
export function interfacesWithSource(current: string | null, iface: string): string {
  const text = current ?? '';
  if (new RegExp(`^\\s*iface\\s+${iface.replace(/[.]/g, '\\.')}\\s`, 'm').test(text)) {
    throw new PxeError('E_TASK', `${INTERFACES} already configures ${iface}`, {
      hint: `remove its "iface ${iface}" stanza from ${INTERFACES}: pxeprov writes /etc/network/interfaces.d/pxeprov-${iface}`,
    });
  }
  if (/^\s*source(-directory)?\s+\/etc\/network\/interfaces\.d/m.test(text)) return text;
  return `${text}${text && !text.endsWith('\n') ? '\n' : ''}${IFUPDOWN_SOURCE}\n`;
}

export const network: Resource<NetworkArgs, Observed, NetworkPlan> = {
  name: 'network',
  schema: {
    type: 'object',
    description: 'A static IPv4 address on an interface, through netplan, ifupdown or NetworkManager.',
    properties: {
      iface: {type: 'string', pattern: '^[A-Za-z0-9_.:-]{1,15}$', description: 'The interface name.'},
      address: {
        type: 'string',
        pattern: '^\\d+\\.\\d+\\.\\d+\\.\\d+/\\d+$',
        description: 'Address with prefix, e.g. 192.168.1.20/24.',
      },
      gateway: {type: 'string', description: 'Default gateway through this interface (usually none on a PXE LAN).'},
      dns: {type: 'array', items: {type: 'string'}, description: 'DNS servers.'},
      backend: {
        enum: ['auto', 'netplan', 'ifupdown', 'NetworkManager'],
        description: 'Default auto: whatever owns the interface, else what the host has.',
      },
      force: {type: 'boolean', description: 'Allow reconfiguring the interface the SSH connection arrives on.'},
    },
    required: ['iface', 'address'],
    additionalProperties: false,
  },

  async read(args, agent: Agent) {
    // Every backend's file is known in advance: a file that already holds it costs a stat, not a read.
    const wanted = new Map<string, Buffer | undefined>(
      candidateFiles(args).map((f) => [f.path, Buffer.from(f.content)]),
    );
    wanted.set(INTERFACES, undefined);
    const paths = [...wanted.keys()];
    const [tools, running, ipAddr, ...files] = await Promise.all([
      agent.stat(Object.values(TOOLS)),
      agent.stat(['/run/NetworkManager/NetworkManager.pid', '/run/NetworkManager']),
      agent.exec(['ip', '-o', '-4', 'addr', 'show', 'dev', args.iface]),
      ...paths.map((path) => readContent(path, agent, wanted.get(path))),
    ]);
    return {
      tools: {
        netplan: tools[0]!.kind !== 'absent',
        ifupdown: tools[1]!.kind !== 'absent',
        NetworkManager: tools[2]!.kind !== 'absent',
      },
      nmRunning: running.some((s) => s.kind !== 'absent'),
      addresses: ipAddr.rc === 0 ? parseIpAddr(ipAddr.stdout.toString()) : null,
      files: new Map(paths.map((path, i) => [path, files[i]!])),
      facts: agent.facts,
    };
  },

  diff(args, observed, ctx: TaskContext) {
    if (observed.addresses === null) {
      throw new PxeError('E_TASK', `there is no interface ${args.iface} on ${ctx.host}`, {
        hint: `interfaces: ${observed.facts.interfaces.map((i) => i.name).join(', ')}`,
      });
    }
    const backendName = chooseBackend(args, observed);
    const backend = backends[backendName];
    const want = wanted(args);
    const files: WantedFile[] = backend.files(want);
    if (backendName === 'ifupdown') {
      const main = observed.files.get(INTERFACES)!.content?.toString() ?? null;
      files.push({path: INTERFACES, mode: 0o644, content: interfacesWithSource(main, args.iface)});
      if (observed.tools.NetworkManager) files.push(nmUnmanagedFile(args.iface));
    }
    const changes = files.map((f) =>
      diffContent(f.path, Buffer.from(f.content), {mode: f.mode}, observed.files.get(f.path)!),
    );
    const fileChanges = changes.filter(isChange);
    const live = observed.addresses.includes(args.address);
    if (fileChanges.length === 0 && live) return {ok: `${args.iface} has ${args.address} (${backendName})`};

    if (observed.facts.sshIface === args.iface && !args.force) {
      throw new PxeError(
        'E_TASK',
        `refusing to reconfigure ${args.iface}: the SSH connection to ${ctx.host} arrives on it`,
        {
          hint: 'use another interface for PXE, or set network_force: true if you have console access',
        },
      );
    }
    const diffs = fileChanges.map((c) => c.diff ?? '');
    if (!live)
      diffs.push(
        unifiedDiff(
          `${args.iface} (running)`,
          stateText({ipv4: observed.addresses.join(' ') || 'none'}),
          stateText({ipv4: args.address}),
        ),
      );
    const wantedFiles = fileChanges.map((c) => c.plan);
    // NetworkManager reads its conf.d only when told to: let it drop the interface before ifupdown takes it.
    const nmReload = wantedFiles.some((f) => f.path === nmUnmanagedFile(args.iface).path)
      ? [['nmcli', 'general', 'reload', 'conf']]
      : [];
    const plan: NetworkPlan = {
      files: wantedFiles,
      activate: [...nmReload, ...backend.activate(want)],
      iface: args.iface,
      address: args.address,
    };
    const summary = `${backendName}: ${[fileChanges.length ? `write ${plan.files.map((f) => f.path).join(', ')}` : '', live ? '' : `bring up ${args.address}`].filter(Boolean).join(', ')}`;
    return {summary, diff: diffs.join('\n'), plan};
  },

  async apply(plan, agent: Agent, ctx: TaskContext) {
    for (const file of plan.files) {
      await agent.mkdir(file.path.slice(0, file.path.lastIndexOf('/')), {parents: true});
      await applyContent(file, agent);
    }
    for (const argv of plan.activate) {
      const result = await agent.exec(argv, {timeout: 120});
      if (result.rc !== 0 && argv[1] !== '--force') {
        throw new PxeError('E_TASK', `${argv.join(' ')} failed (exit ${result.rc})`, {
          where: {host: ctx.host, task: ctx.task.name},
          hint: result.stderr.toString().trim(),
        });
      }
    }
    // netplan (networkd) and NetworkManager configure the address asynchronously: wait for it.
    let after: string[] = [];
    for (let attempt = 0; attempt < 60; attempt++) {
      after = parseIpAddr((await agent.exec(['ip', '-o', '-4', 'addr', 'show', 'dev', plan.iface])).stdout.toString());
      if (after.includes(plan.address)) return;
      await agent.exec(['sleep', '0.5']);
    }
    throw new PxeError(
      'E_TASK',
      `${plan.iface} does not have ${plan.address} 30 s after ${plan.activate.map((a) => a.join(' ')).join('; ')}`,
      {
        hint: `it has: ${after.join(', ') || 'no IPv4 address'}`,
      },
    );
  },
};
