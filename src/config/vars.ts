/**
 * The variables of a host for a play (and a task), merged in Ansible's precedence order for what pxeprov
 * supports, low → high:
 *   role defaults < inventory group vars (all < parents < children) < group_vars files < inventory host vars
 *   < host_vars files < facts < play vars < play vars_files < role vars < task vars (block, include)
 *   < set_fact / registered < role params < extra vars (-e)
 * plus the magic variables: inventory_hostname(_short), group_names, groups, hostvars, ansible_facts,
 * playbook_dir, inventory_dir, inventory_file, role_name and role_path. The inventory part is merged by loadInventory (InventoryHost.vars).
 */
import {resolve} from 'node:path';
import {hostsOfGroup} from './host-pattern.js';
import {LAZY} from './lazy.js';
import type {Inventory, Play, Task, Vars} from './model.js';

export interface VarsScope {
  /** The task being run: adds its role's vars (its role winning over the play's others), its vars, role_path. */
  task?: Task;
  /** set_fact and register results of this host so far. */
  runtime?: Vars;
  /** Facts of other hosts, for hostvars['other'].ansible_facts. */
  factsOf?: (host: string) => Vars | undefined;
}

const merged = (list: Vars[]): Vars => Object.assign({}, ...list);

const factForms = new WeakMap<Vars, Vars>();

/** Facts as Ansible injects them: under ansible_facts, and each as a top-level ansible_<name>; built once per facts object. */
function factVars(facts: Vars | undefined): Vars {
  if (!facts) return {};
  if (!factForms.has(facts)) {
    const top = Object.fromEntries(
      Object.entries(facts).map(([k, v]) => [k.startsWith('ansible_') ? k : `ansible_${k}`, v]),
    );
    factForms.set(facts, {...top, ansible_facts: facts});
  }
  return factForms.get(facts)!;
}

export function hostVars(
  play: Play,
  host: string,
  inventory: Inventory,
  extraVars: Vars,
  facts?: Vars,
  scope: VarsScope = {},
): Vars {
  const entry = inventory.hosts.get(host);
  const {task, runtime} = scope;
  const role = task?.role;
  const roles = role ? [...play.roles.filter((r) => r !== role && r.dir !== role.dir), role] : play.roles;
  return {
    ...merged(roles.map((r) => r.defaults)),
    ...entry?.vars,
    ...factVars(facts),
    ...play.vars,
    ...merged(play.varsFiles),
    ...merged(roles.map((r) => r.vars)),
    ...task?.vars,
    ...runtime,
    ...role?.params,
    ...extraVars,
    ...magicVars(play, host, inventory, extraVars, scope),
  };
}

const groupLists = new WeakMap<Inventory, Vars>();

/** `groups`: the hosts of every group. An inventory does not change once loaded: built once, not per task and host. */
function groupsOf(inventory: Inventory): Vars {
  if (!groupLists.has(inventory))
    groupLists.set(
      inventory,
      Object.fromEntries([...inventory.groups.keys()].map((g) => [g, hostsOfGroup(inventory, g)])),
    );
  return groupLists.get(inventory)!;
}

function magicVars(play: Play, host: string, inventory: Inventory, extraVars: Vars, scope: VarsScope): Vars {
  const groups = groupsOf(inventory);
  return {
    inventory_hostname: host,
    inventory_hostname_short: host.split('.')[0],
    group_names: (inventory.hosts.get(host)?.groups ?? []).filter((g) => g !== 'all'),
    groups,
    hostvars: lazyHostvars(play, inventory, extraVars, scope),
    playbook_dir: play.baseDir,
    inventory_dir: inventory.dir,
    inventory_file: resolve(inventory.source),
    ...(scope.task?.role ? {role_name: scope.task.role.name, role_path: scope.task.role.dir} : {}),
  };
}

/** hostvars['name']: computed when read (a play over many hosts need not build every host's vars). */
function lazyHostvars(play: Play, inventory: Inventory, extraVars: Vars, scope: VarsScope): Vars {
  const cache = new Map<string, Vars>();
  const get = (name: string): Vars | undefined => {
    if (!inventory.hosts.has(name)) return undefined;
    if (!cache.has(name)) {
      const {hostvars: _, ...vars} = hostVars(play, name, inventory, extraVars, scope.factsOf?.(name), {
        factsOf: scope.factsOf,
      });
      cache.set(name, vars);
    }
    return cache.get(name);
  };
  return new Proxy({} as Vars, {
    get: (_t, name) => (name === LAZY ? true : typeof name === 'string' ? get(name) : undefined),
    has: (_t, name) => typeof name === 'string' && inventory.hosts.has(name),
    ownKeys: () => [...inventory.hosts.keys()],
    getOwnPropertyDescriptor: (_t, name) =>
      typeof name === 'string' && inventory.hosts.has(name)
        ? {enumerable: true, configurable: true, value: get(name)}
        : undefined,
  });
}
