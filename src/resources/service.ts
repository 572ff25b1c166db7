/** service: a systemd (or sysv-init) service started/stopped/restarted/reloaded and enabled or not. */
import {PxeError} from '../errors.js';
import {stateText, unifiedDiff} from '../report/diff.js';
import type {Agent} from '../transport/types.js';
import type {Resource, TaskContext} from './types.js';

export interface ServiceArgs {
  name: string;
  state?: 'started' | 'stopped' | 'restarted' | 'reloaded';
  enabled?: boolean;
}

export interface ServiceObserved {
  init: 'systemd' | 'sysvinit' | 'other';
  /** False when the unit/init script does not exist (yet). */
  exists: boolean;
  active: boolean;
  enabled?: boolean;
}

export interface ServicePlan {
  name: string;
  init: ServiceObserved['init'];
  action?: 'start' | 'stop' | 'restart' | 'reload';
  enable?: boolean;
}

/**
 * `systemctl show -p LoadState -p ActiveState` and `systemctl is-enabled` output -> observed state.
 * is-enabled, unlike UnitFileState, also answers for sysv init scripts (tftpd-hpa, isc-dhcp-server).
 */
export function parseSystemctlShow(show: string, isEnabled: string): Omit<ServiceObserved, 'init'> {
  const props = Object.fromEntries(
    show
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  const state = isEnabled.trim().split('\n').pop() ?? '';
  return {
    exists: props.LoadState !== 'not-found' && props.LoadState !== undefined,
    active: props.ActiveState === 'active' || props.ActiveState === 'reloading' || props.ActiveState === 'activating',
    enabled: ['enabled', 'enabled-runtime', 'alias'].includes(state)
      ? true
      : ['disabled', 'masked', 'masked-runtime'].includes(state)
        ? false
        : undefined,
  };
}

/**
 * One request for the services read in the same tick (a play reads its coming tasks together): is-enabled
 * per unit (it drops the line of a unit it does not know and answers sysv scripts first, so one call cannot
 * take them all), the units at once and beside one `systemctl show` of them all: each systemctl costs about
 * 10 ms of start-up. Each answer is one write of `INDEX STATE` and `---` (in any order); the show comes last.
 * The names are arguments, never code.
 */
const UNITS_SCRIPT =
  'i=0; for u; do i=$((i + 1)); { s=$(systemctl is-enabled -- "$u" 2>/dev/null); printf "%s %s\\n---\\n" "$i" "$s"; } & done; ' +
  'p=$(systemctl show -p LoadState -p ActiveState -- "$@"); wait; printf "%s\\n" "$p"';

interface UnitBatch {
  names: string[];
  waiting: Array<{resolve(state: Omit<ServiceObserved, 'init'>): void; reject(error: unknown): void}>;
}

const unitBatches = new WeakMap<Agent, UnitBatch>();

/** The output of UNITS_SCRIPT -> each unit's state, in order; an answer missing, repeated or for fewer units is an error. */
export function parseUnits(names: string[], stdout: string): Array<Omit<ServiceObserved, 'init'>> {
  const parts = stdout.split('---\n');
  const shows = (parts.pop() ?? '').split(/\n\n+/).filter((block) => block.trim() !== '');
  const states = new Map<number, string>();
  let stray = 0;
  for (const part of parts) {
    const index = Number(/^(\d+) /.exec(part)?.[1]);
    if (index >= 1 && index <= names.length && !states.has(index)) states.set(index, part.replace(/^\d+ /, ''));
    else stray++;
  }
  if (stray || states.size !== names.length || shows.length !== names.length)
    throw new PxeError(
      'E_REMOTE',
      `systemctl answered for ${Math.min(states.size, shows.length)} of ${names.length} units (${names.join(', ')})`,
    );
  return names.map((_, i) => parseSystemctlShow(shows[i]!, states.get(i + 1)!));
}

function readUnit(agent: Agent, name: string): Promise<Omit<ServiceObserved, 'init'>> {
  let batch = unitBatches.get(agent);
  if (!batch) {
    batch = {names: [], waiting: []};
    unitBatches.set(agent, batch);
    setImmediate(flushUnits, agent, batch);
  }
  batch.names.push(name);
  const {waiting} = batch;
  return new Promise((resolve, reject) => waiting.push({resolve, reject}));
}

async function flushUnits(agent: Agent, batch: UnitBatch): Promise<void> {
  unitBatches.delete(agent);
  try {
    const shown = await agent.exec(['sh', '-c', UNITS_SCRIPT, 'sh', ...batch.names]);
    const states = parseUnits(batch.names, shown.stdout.toString());
    batch.waiting.forEach((w, i) => w.resolve(states[i]!));
  } catch (error) {
    for (const w of batch.waiting) w.reject(error);
  }
}

/** What to do; pure. */
export function planService(args: ServiceArgs, observed: ServiceObserved): ServicePlan | undefined {
  const plan: ServicePlan = {name: args.name, init: observed.init};
  if (args.state === 'started' && !observed.active) plan.action = 'start';
  if (args.state === 'stopped' && observed.active) plan.action = 'stop';
  if (args.state === 'restarted') plan.action = 'restart';
  if (args.state === 'reloaded') plan.action = observed.active ? 'reload' : 'start';
  if (args.enabled !== undefined && args.enabled !== observed.enabled) plan.enable = args.enabled;
  return plan.action || plan.enable !== undefined ? plan : undefined;
}

export const service: Resource<ServiceArgs, ServiceObserved, ServicePlan> = {
  name: 'service',
  schema: {
    type: 'object',
    description:
      'A service started, stopped, restarted or reloaded, and enabled at boot or not (systemd or sysv-init).',
    properties: {
      name: {type: 'string', pattern: '^[A-Za-z0-9@._:-]+$', description: 'The unit or init script name.'},
      state: {
        enum: ['started', 'stopped', 'restarted', 'reloaded'],
        description: 'restarted and reloaded always act (use them in handlers).',
      },
      enabled: {type: 'boolean', description: 'Start at boot.'},
    },
    required: ['name'],
    additionalProperties: false,
  },

  // A restart handler notified before the service was (re)started would restart it for nothing.
  restarts: {
    started: (result) =>
      result.changed === true && (result.action === 'start' || result.action === 'restart')
        ? String(result.name)
        : undefined,
    restarted: (args) => (args.state === 'restarted' || args.state === 'reloaded' ? args.name : undefined),
  },

  async read(args, agent: Agent) {
    const init = agent.facts.init;
    if (init === 'systemd') return {init, ...(await readUnit(agent, args.name))};
    const [script, status, links] = await Promise.all([
      agent.stat([`/etc/init.d/${args.name}`]),
      agent.exec(['service', args.name, 'status']),
      agent.exec(['find', '/etc/rc2.d', '-name', `S??${args.name}`]),
    ]);
    return {init, exists: script[0]!.kind !== 'absent', active: status.rc === 0, enabled: links.stdout.length > 0};
  },

  diff(args, observed, ctx: TaskContext) {
    if (
      !observed.exists &&
      args.state !== 'started' &&
      args.state !== 'restarted' &&
      args.state !== 'reloaded' &&
      args.enabled !== true
    ) {
      return {ok: `${args.name} is not installed`};
    }
    const plan = planService(args, observed);
    if (!plan)
      return {
        ok: `${args.name} is ${observed.active ? 'running' : 'stopped'}${observed.enabled === undefined ? '' : observed.enabled ? ', enabled' : ', disabled'}`,
      };
    if (!observed.exists && !ctx.checkMode) {
      throw new PxeError('E_TASK', `service ${args.name} does not exist`, {hint: 'install its package first (apt)'});
    }
    const before = {
      state: observed.exists ? (observed.active ? 'active' : 'inactive') : 'not installed',
      enabled: observed.enabled === undefined ? undefined : String(observed.enabled),
    };
    const after = {
      state: plan.action === 'stop' ? 'inactive' : plan.action ? `active (${plan.action})` : before.state,
      enabled: plan.enable === undefined ? before.enabled : String(plan.enable),
    };
    const summary = [plan.action ?? '', plan.enable === undefined ? '' : plan.enable ? 'enable' : 'disable']
      .filter(Boolean)
      .join(', ');
    return {
      summary: observed.exists ? summary : `${summary} (not installed yet: an earlier task installs it)`,
      diff: unifiedDiff(`service ${args.name}`, stateText(before), stateText(after)),
      plan,
    };
  },

  async apply(plan, agent: Agent, ctx: TaskContext) {
    const commands: string[][] = [];
    if (plan.init === 'systemd') {
      if (plan.enable !== undefined) commands.push(['systemctl', plan.enable ? 'enable' : 'disable', '--', plan.name]);
      if (plan.action) commands.push(['systemctl', plan.action, '--', plan.name]);
    } else {
      // enable/disable only flip existing links: a script never linked gets its default links first.
      if (plan.enable !== undefined)
        commands.push(
          ['update-rc.d', plan.name, 'defaults'],
          ['update-rc.d', plan.name, plan.enable ? 'enable' : 'disable'],
        );
      if (plan.action) commands.push(['service', plan.name, plan.action]);
    }
    for (const argv of commands) {
      const result = await agent.exec(argv, {timeout: 300});
      if (result.rc !== 0) {
        const detail =
          plan.init === 'systemd'
            ? (await agent.exec(['journalctl', '-u', plan.name, '-n', '8', '--no-pager'])).stdout.toString()
            : '';
        throw new PxeError('E_TASK', `${argv.join(' ')} failed (exit ${result.rc})`, {
          where: {host: ctx.host, task: ctx.task.name},
          hint: (result.stderr.toString() + detail).trim().split('\n').slice(-8).join('\n        '),
        });
      }
    }
    return {result: {name: plan.name, action: plan.action}};
  },
};
