/** apt: Debian packages present, absent or latest. Reads dpkg's status; runs apt-get only when something differs. */
import {PxeError} from '../errors.js';
import {stateText, unifiedDiff} from '../report/diff.js';
import type {Agent} from '../transport/types.js';
import type {Resource, TaskContext} from './types.js';

export interface AptArgs {
  name?: string | string[];
  pkg?: string | string[];
  state?: 'present' | 'installed' | 'absent' | 'removed' | 'latest';
  update_cache?: boolean;
  cache_valid_time?: number;
  install_recommends?: boolean;
  purge?: boolean;
}

export interface PackageState {
  installed?: string;
  candidate?: string;
}

export interface AptObserved {
  packages: Record<string, PackageState>;
  /** Seconds since the package lists were last updated; undefined when never. */
  cacheAge?: number;
}

export interface AptPlan {
  install: string[];
  remove: string[];
  updateCache: boolean;
  recommends: boolean;
  purge: boolean;
}

const STAMPS = ['/var/lib/apt/periodic/update-success-stamp', '/var/cache/apt/pkgcache.bin'];

function names(args: AptArgs): string[] {
  const list = args.name ?? args.pkg ?? [];
  return (Array.isArray(list) ? list : list.split(',')).map((n) => n.trim()).filter(Boolean);
}

/** `name=version` pins a version. */
function splitPin(spec: string): [string, string | undefined] {
  const at = spec.indexOf('=');
  return at < 0 ? [spec, undefined] : [spec.slice(0, at), spec.slice(at + 1)];
}

/** dpkg-query -W -f '${Package}\t${Status}\t${Version}\n' output -> installed versions. */
export function parseDpkgQuery(stdout: string): Record<string, string> {
  const installed: Record<string, string> = {};
  for (const line of stdout.split('\n')) {
    const [pkg, status, version] = line.split('\t');
    if (pkg && status?.endsWith(' installed') && version) installed[pkg] = version;
  }
  return installed;
}

/** `apt-cache policy` output -> candidate versions. */
export function parseAptPolicy(stdout: string): Record<string, string> {
  const candidates: Record<string, string> = {};
  let current: string | undefined;
  for (const line of stdout.split('\n')) {
    const head = /^(\S+):$/.exec(line);
    if (head) current = head[1];
    const candidate = /^\s+Candidate:\s+(\S+)/.exec(line);
    if (candidate && current && candidate[1] !== '(none)') candidates[current] = candidate[1]!;
  }
  return candidates;
}

/** Packages apt-get could not find in the host's sources, from its stderr (the agent runs it with LC_ALL=C). */
export function unavailablePackages(stderr: string): string[] {
  return [
    ...stderr.matchAll(/^E: (?:Unable to locate package (\S+)|Package '([^']+)' has no installation candidate)$/gm),
  ].map((m) => m[1] ?? m[2]!);
}

/** What apt-get must do; pure. */
export function planApt(args: AptArgs, observed: AptObserved): AptPlan {
  const state = args.state ?? 'present';
  const install: string[] = [];
  const remove: string[] = [];
  for (const spec of names(args)) {
    const [pkg, pin] = splitPin(spec);
    const current = observed.packages[pkg]?.installed;
    if (state === 'absent' || state === 'removed') {
      if (current) remove.push(pkg);
    } else if (
      !current ||
      (pin && current !== pin) ||
      (state === 'latest' && observed.packages[pkg]?.candidate !== current)
    ) {
      install.push(spec);
    }
  }
  const stale =
    observed.cacheAge === undefined || args.cache_valid_time === undefined || observed.cacheAge > args.cache_valid_time;
  const cacheOnly = names(args).length === 0 && args.update_cache === true && stale;
  return {
    install,
    remove,
    updateCache: cacheOnly || (args.update_cache === true && install.length > 0 && stale),
    recommends: args.install_recommends ?? false,
    purge: args.purge ?? false,
  };
}

function packageLines(pkgs: string[], observed: AptObserved, after: (pkg: string) => string): [string, string] {
  const before: Record<string, string> = {};
  const wanted: Record<string, string> = {};
  for (const spec of pkgs) {
    const [pkg] = splitPin(spec);
    before[pkg] = observed.packages[pkg]?.installed ?? 'absent';
    wanted[pkg] = after(spec);
  }
  return [stateText(before), stateText(wanted)];
}

export const apt: Resource<AptArgs, AptObserved, AptPlan> = {
  name: 'apt',
  schema: {
    type: 'object',
    description: 'Debian packages present, absent or latest (apt-get runs only when dpkg says something differs).',
    properties: {
      name: {
        type: ['string', 'array'],
        items: {type: 'string', pattern: '^[a-z0-9][a-z0-9+.:=~-]*$'},
        description: "Package names (a list, or comma-separated); 'name=version' pins.",
      },
      pkg: {type: ['string', 'array'], items: {type: 'string'}, description: 'Alias of name.'},
      state: {enum: ['present', 'installed', 'absent', 'removed', 'latest'], description: 'Default present.'},
      update_cache: {
        type: 'boolean',
        description: 'Run apt-get update before installing (only when something must be installed).',
      },
      cache_valid_time: {
        type: 'integer',
        minimum: 0,
        description: 'Skip the update when the lists are younger than this many seconds.',
      },
      install_recommends: {type: 'boolean', description: 'Install recommended packages too (default false).'},
      purge: {type: 'boolean', description: 'With absent: remove configuration files too.'},
    },
    additionalProperties: false,
  },

  async read(args, agent: Agent) {
    const pkgs = names(args).map((spec) => splitPin(spec)[0]);
    const [query, policy, stamps] = await Promise.all([
      pkgs.length
        ? agent.exec(['dpkg-query', '-W', '-f', '${Package}\t${Status}\t${Version}\n', '--', ...pkgs])
        : undefined,
      args.state === 'latest' && pkgs.length ? agent.exec(['apt-cache', 'policy', ...pkgs]) : undefined,
      agent.stat(STAMPS),
    ]);
    const installed = parseDpkgQuery(query?.stdout.toString() ?? '');
    const candidates = parseAptPolicy(policy?.stdout.toString() ?? '');
    const packages: Record<string, PackageState> = {};
    for (const pkg of pkgs) packages[pkg] = {installed: installed[pkg], candidate: candidates[pkg]};
    const newest = Math.max(...stamps.map((s) => s.mtime ?? 0));
    return {packages, cacheAge: newest > 0 ? Math.max(0, Date.now() / 1000 - newest) : undefined};
  },

  diff(args, observed) {
    const plan = planApt(args, observed);
    if (plan.install.length === 0 && plan.remove.length === 0 && !plan.updateCache)
      return {ok: 'all packages in the wanted state'};
    const diffs: string[] = [];
    if (plan.install.length) {
      const [before, after] = packageLines(
        plan.install,
        observed,
        (spec) => splitPin(spec)[1] ?? observed.packages[spec]?.candidate ?? 'installed',
      );
      diffs.push(unifiedDiff('packages', before, after));
    }
    if (plan.remove.length) diffs.push(unifiedDiff('packages', ...packageLines(plan.remove, observed, () => 'absent')));
    const summary = [
      plan.install.length ? `install ${plan.install.join(' ')}` : '',
      plan.remove.length ? `remove ${plan.remove.join(' ')}` : '',
      plan.updateCache && plan.install.length === 0 ? 'update the package lists' : '',
    ]
      .filter(Boolean)
      .join(', ');
    return {summary, diff: diffs.join('\n'), plan};
  },

  async apply(plan, agent: Agent, ctx: TaskContext) {
    const env = {DEBIAN_FRONTEND: 'noninteractive', NEEDRESTART_MODE: 'a'};
    const options = [
      '-y',
      '-q',
      '-o',
      'DPkg::Lock::Timeout=300',
      '-o',
      'Dpkg::Options::=--force-confdef',
      '-o',
      'Dpkg::Options::=--force-confold',
    ];
    const run = async (argv: string[]) => {
      const result = await agent.exec(argv, {env, timeout: 3600});
      const missing = unavailablePackages(result.stderr.toString());
      if (result.rc !== 0 && missing.length) {
        throw new PxeError('E_TASK', `${missing.join(', ')}: not in the host's apt sources, nothing was installed`, {
          where: {host: ctx.host, task: ctx.task.name},
          expected: `${missing.join(', ')} available from the host's apt sources`,
          hint: `enable the archive area or repository that ships it (\`apt-cache policy ${missing[0]}\` on the host), or turn off the feature that needs it`,
        });
      }
      if (result.rc !== 0) {
        throw new PxeError('E_TASK', `${argv.slice(0, 2).join(' ')} failed (exit ${result.rc})`, {
          where: {host: ctx.host, task: ctx.task.name},
          expected: 'apt-get to succeed',
          hint: result.stderr.toString().trim().split('\n').slice(-3).join(' | '),
        });
      }
    };
    if (plan.updateCache) await run(['apt-get', 'update', '-q']);
    if (plan.install.length) {
      await run([
        'apt-get',
        'install',
        ...options,
        plan.recommends ? '--install-recommends' : '--no-install-recommends',
        ...plan.install,
      ]);
    }
    if (plan.remove.length) await run(['apt-get', plan.purge ? 'purge' : 'remove', ...options, ...plan.remove]);
  },
};
