/**
 * build_state: the install state of every dhcp_hosts entry with a profile, read from the PXE server and
 * registered for the per-host menu templates (result.hosts). With `start`, those hosts enter build mode:
 * a fresh token and start time are written (mode 0600, atomically) — this is what `pxeprov install` runs.
 * Without it the module only reads, so `up` and `check` render the menus from the state as it is.
 */
import {randomBytes} from 'node:crypto';
import {posix} from 'node:path';
import {trackSecret} from '../config/redact.js';
import {PxeError} from '../errors.js';
import {HOST_NAME, hostMenus, hostProfiles, type Reservation} from '../lifecycle/menus.js';
import {parseBuildState, serializeBuildState, utcNow, type BuildState} from '../lifecycle/state.js';
import {unifiedDiff} from '../report/diff.js';
import type {Agent} from '../transport/types.js';
import type {Resource, TaskContext} from './types.js';

export interface BuildStateArgs {
  dir: string;
  hosts: Reservation[];
  callback: string;
  start?: string[];
}

type Observed = Map<string, BuildState | undefined>;

interface Plan {
  args: BuildStateArgs;
  observed: Observed;
}

function statePath(dir: string, name: string): string {
  return posix.join(dir, name);
}

/** The hosts with a menu of their own; a name that cannot be a file name is an input error. */
function menuHosts(args: BuildStateArgs, ctx: TaskContext): Reservation[] {
  const hosts = args.hosts.filter((h) => hostProfiles(h).length > 0);
  for (const h of hosts) {
    if (!HOST_NAME.test(h.name)) {
      throw new PxeError('E_VARS', `dhcp_hosts entry '${h.name}': the name is not a host name`, {
        where: {host: ctx.host, task: ctx.task.name},
        expected: 'letters, digits, dot, dash, underscore',
        hint: 'the name names its state file and its callback URL',
      });
    }
  }
  return hosts;
}

function summaryOf(observed: Observed): string {
  const building = [...observed.entries()].filter(([, s]) => s?.mode === 'build').map(([name]) => name);
  return `${observed.size} hosts with their own menu${building.length ? `; in build mode: ${building.join(', ')}` : ''}`;
}

export const buildState: Resource<BuildStateArgs, Observed, Plan> = {
  name: 'build_state',
  schema: {
    type: 'object',
    description:
      'Register the build state of the dhcp_hosts entries with a profile (result.hosts, for the per-host menus); start puts hosts into build mode.',
    properties: {
      dir: {type: 'string', pattern: '^/', description: 'The state directory on the target, one file per host.'},
      hosts: {
        type: 'array',
        items: {type: 'object'},
        description: 'The dhcp_hosts entries ({name, mac, profile, profiles, install}).',
      },
      callback: {
        type: 'string',
        description: 'The callback URL without host and token (the menus add /<name>/<token>).',
      },
      start: {
        type: 'array',
        items: {type: 'string'},
        description: 'Hosts to put into build mode now (a new token each).',
      },
    },
    required: ['dir', 'hosts', 'callback'],
    additionalProperties: false,
  },

  async read(args, agent: Agent, ctx: TaskContext) {
    const hosts = menuHosts(args, ctx);
    const contents = await Promise.all(hosts.map((h) => agent.readFile(statePath(args.dir, h.name))));
    const observed: Observed = new Map();
    hosts.forEach((h, i) => {
      const content = contents[i];
      // Only a missing file means "never put in build mode".
      observed.set(
        h.name,
        content === null
          ? undefined
          : parseBuildState(content!.toString('utf8'), {host: ctx.host, file: statePath(args.dir, h.name)}),
      );
    });
    return observed;
  },

  diff(args, observed, ctx: TaskContext) {
    const start = args.start ?? [];
    for (const name of start) {
      const entry = args.hosts.find((h) => h.name === name);
      if (!entry || !observed.has(name) || entry.install === 'always') {
        throw new PxeError(
          'E_HOST',
          `${name} cannot be put into build mode: ${!entry ? 'it is not in dhcp_hosts' : entry.install === 'always' ? 'it installs at every boot (install: always)' : 'it has no MAC or no profile'}`,
          {
            where: {host: ctx.host, task: ctx.task.name},
            hint: 'pxeprov install takes hosts of dhcp_hosts with a mac and a profile (or profiles)',
          },
        );
      }
    }
    if (start.length === 0)
      return {ok: summaryOf(observed), result: {hosts: hostMenus(menuHosts(args, ctx), observed, args.callback)}};
    const before = start.map((name) => `${name}: ${observed.get(name)?.mode ?? 'local'}`).join('\n') + '\n';
    const after = start.map((name) => `${name}: build`).join('\n') + '\n';
    return {
      summary: `build mode: ${start.join(', ')}`,
      diff: unifiedDiff('build state', before, after),
      plan: {args, observed},
    };
  },

  async apply({args, observed}, agent: Agent, ctx: TaskContext) {
    const since = utcNow();
    const states: Observed = new Map(observed);
    await agent.mkdir(args.dir, {parents: true, mode: 0o700});
    for (const name of args.start ?? []) {
      const token = randomBytes(16).toString('hex');
      trackSecret(token);
      const state: BuildState = {mode: 'build', since, token, done: observed.get(name)?.done};
      await agent.writeFile(statePath(args.dir, name), serializeBuildState(state), {mode: 0o600});
      states.set(name, state);
    }
    return {result: {hosts: hostMenus(menuHosts(args, ctx), states, args.callback)}};
  },
};
