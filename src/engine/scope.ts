/**
 * The variables a task sees on a host, low to high precedence (Ansible's order for what pxeprov supports):
 * role defaults < inventory (group vars by depth, host vars) < facts < play vars < play vars_files
 * < role vars < task vars < set_fact / register < extra vars; plus the magic variables.
 */
import type {Inventory, Play, Task, Vars} from '../config/model.js';

/** Ansible's `omit`: a module argument that renders to it is left out. */
export const OMIT = '__pxeprov_omit_placeholder__';

/** Drops every mapping key whose value is `omit`. */
export function withoutOmitted(value: unknown): unknown {
  if (Array.isArray(value)) return value.filter((v) => v !== OMIT).map(withoutOmitted);
  if (value && typeof value === 'object' && !Buffer.isBuffer(value)) {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== OMIT).map(([k, v]) => [k, withoutOmitted(v)]));
  }
  return value;
}

export interface HostScope {
  host: string;
  inventory: Inventory;
  play: Play;
  factVars: Vars;
  /** set_fact and register results, for the rest of the run. */
  hostFacts: Vars;
  extraVars: Vars;
}

export function taskVars(scope: HostScope, task: Task, loopVars: Vars = {}): Vars {
  const {inventory, play, host} = scope;
  const entry = inventory.hosts.get(host);
  const roles = task.role ? [...play.roles.filter((r) => r.name !== task.role!.name), task.role] : play.roles;
  return {
    ...Object.assign({}, ...roles.map((r) => r.defaults)),
    ...entry?.vars,
    ...scope.factVars,
    ...play.vars,
    ...Object.assign({}, ...play.varsFiles),
    ...Object.assign({}, ...roles.map((r) => r.vars)),
    ...task.vars,
    ...scope.hostFacts,
    ...loopVars,
    ...scope.extraVars,
    inventory_hostname: host,
    inventory_hostname_short: host.split('.')[0],
    group_names: (entry?.groups ?? []).filter((g) => g !== 'all' && g !== 'ungrouped'),
    groups: Object.fromEntries([...inventory.groups.values()].map((g) => [g.name, groupHosts(inventory, g.name)])),
    hostvars: Object.fromEntries([...inventory.hosts.values()].map((h) => [h.name, h.vars])),
    playbook_dir: play.baseDir,
    omit: OMIT,
    ...(task.role ? {role_name: task.role.name, role_path: task.role.dir} : {}),
  };
}

function groupHosts(inventory: Inventory, group: string): string[] {
  return [...inventory.hosts.values()].filter((h) => h.groups.includes(group)).map((h) => h.name);
}
