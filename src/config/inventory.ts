/**
 * loadInventory: an Ansible inventory (YAML file, INI file, or a directory of them) with group_vars/ and
 * host_vars/ beside it, resolved into hosts with their groups and merged inventory variables.
 */
import {readdirSync, statSync} from 'node:fs';
import {dirname, extname, isAbsolute, join, resolve as resolvePath} from 'node:path';
import {collectErrors, PxeError, PxeErrors} from '../errors.js';
import {readIniInventory} from './inventory-ini.js';
import {emptyRaw, rawGroup, type RawInventory} from './inventory-raw.js';
import {readYamlInventory} from './inventory-yaml.js';
import type {Inventory, InventoryGroup, InventoryHost, SourcePos, Vars} from './model.js';
import {loadVarsDir} from './vars-dirs.js';

export {selectHosts, hostsOfGroup} from './host-pattern.js';
import {readText} from './text-file.js';
import {parseYaml} from './yaml.js';
import {trackSecretValues} from './redact.js';
import {isVaultText} from '../vault/format.js';
import {decryptVaultFile} from '../vault/keyring.js';

const YAML_EXT = new Set(['.yaml', '.yml', '.json']);
/** Ansible's INVENTORY_IGNORE_EXTS (.ini included: in a directory, Ansible takes it for a config file). */
const SKIP_IN_DIR = /(^\.|~$|\.(pyc|pyo|swp|bak|rpm|md|txt|rst|orig|ini|cfg|retry)$|^(group_vars|host_vars)$)/;

export interface LoadInventoryOptions {
  /** More group_vars/ host_vars/ parents (the playbook's dir): they win over the inventory's own. */
  varsDirs?: string[];
}

export function loadInventory(source: string, options: LoadInventoryOptions = {}): Inventory {
  let stat;
  try {
    stat = statSync(source);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw new PxeError(
      'E_FILE_NOT_FOUND',
      `inventory ${source} ${code === 'ENOENT' ? 'does not exist' : `cannot be read (${code})`}`,
      {
        where: {file: source},
        expected: 'an inventory file (YAML or INI) or a directory of them',
        hint: 'pass it as the first argument: pxeprov validate path/to/inventory.yaml',
      },
    );
  }
  const raw = emptyRaw();
  const errors: PxeError[] = [];
  const files = stat.isDirectory()
    ? readdirSync(source)
        .filter((n) => !SKIP_IN_DIR.test(n))
        .sort()
        .map((n) => join(source, n))
    : [source];
  for (const file of files) {
    if (statSync(file).isDirectory()) continue;
    collectErrors(errors, () => readFile(file, raw));
  }
  if (errors.length) throw new PxeErrors(errors);
  const base = stat.isDirectory() ? source : dirname(source);
  const inventory = resolve(
    source,
    raw,
    [base, ...(options.varsDirs ?? [])].filter((d, i, all) => all.indexOf(d) === i),
    errors,
  );
  return {...inventory, dir: resolvePath(base)};
}

function readFile(file: string, raw: RawInventory): void {
  const yaml = YAML_EXT.has(extname(file));
  const stored = readText(file, 'inventory', yaml ? 'E_YAML_SYNTAX' : 'E_INI_SYNTAX');
  const vaulted = isVaultText(stored);
  const text = vaulted ? decryptVaultFile(stored, {file}) : stored;
  if (yaml) {
    readYamlInventory(parseYaml(text, file, {secret: vaulted}), raw);
    return;
  }
  if (vaulted) {
    // Every value an encrypted INI file defines is a secret: read it alone first to know them.
    const own = emptyRaw();
    readIniInventory(text, file, own);
    for (const entry of [...own.groups.values(), ...own.hosts.values()]) trackSecretValues(entry.vars);
  }
  readIniInventory(text, file, raw);
}

/** Connection files named in the inventory: a relative path is relative to the inventory, not to the working directory. */
const PATH_VARS = ['ansible_ssh_private_key_file', 'pxeprov_known_hosts'];

function rebasePaths(vars: Vars, dir: string): void {
  for (const name of PATH_VARS) {
    const value = vars[name];
    if (
      typeof value === 'string' &&
      value !== '' &&
      !isAbsolute(value) &&
      !value.startsWith('~') &&
      !value.includes('{{')
    )
      vars[name] = resolvePath(dir, value);
  }
}

function resolve(source: string, raw: RawInventory, varsDirs: string[], errors: PxeError[]): Omit<Inventory, 'dir'> {
  const all = rawGroup(raw, 'all');
  const parents = new Map<string, Set<string>>([...raw.groups.keys()].map((g) => [g, new Set()]));
  for (const [name, group] of raw.groups) for (const child of group.children.keys()) parents.get(child)?.add(name);
  // Hosts in no group but 'all' are 'ungrouped'; parentless groups are children of 'all' (as in Ansible).
  const grouped = new Set(
    [...raw.groups].filter(([n]) => n !== 'all' && n !== 'ungrouped').flatMap(([, g]) => [...g.hosts]),
  );
  const ungrouped = rawGroup(raw, 'ungrouped');
  for (const host of raw.hosts.keys()) if (!grouped.has(host)) ungrouped.hosts.add(host);
  all.hosts.clear();
  parents.set('ungrouped', parents.get('ungrouped') ?? new Set());
  for (const [name, ps] of parents) {
    if (name !== 'all' && ps.size === 0) {
      all.children.set(name, all.children.get(name));
      ps.add('all');
    }
  }
  checkCycles(raw, errors);
  if (errors.length) throw new PxeErrors(errors);

  const depth = new Map<string, number>();
  const depthOf = (g: string): number => {
    if (g === 'all') return 0;
    if (!depth.has(g)) depth.set(g, Math.max(...[...parents.get(g)!].map(depthOf)) + 1);
    return depth.get(g)!;
  };
  const ancestors = (g: string, into: Set<string>): Set<string> => {
    if (!into.has(g)) {
      into.add(g);
      for (const p of parents.get(g) ?? []) ancestors(p, into);
    }
    return into;
  };
  const order = (a: string, b: string) => depthOf(a) - depthOf(b) || a.localeCompare(b);

  const groupFiles = varsDirs.map((d) =>
    loadVarsDir(join(d, 'group_vars'), raw.groups.keys(), errors, 'group', raw.warnings),
  );
  const hostFiles = varsDirs.map((d) =>
    loadVarsDir(join(d, 'host_vars'), raw.hosts.keys(), errors, 'host', raw.warnings),
  );
  if (errors.length) throw new PxeErrors(errors);

  const groups = new Map<string, InventoryGroup>();
  for (const [name, g] of raw.groups) {
    const vars = Object.assign({}, g.vars, ...groupFiles.map((m) => m.get(name) ?? {}));
    groups.set(name, {name, hosts: [...g.hosts], children: [...g.children.keys()].sort(), vars, pos: g.pos});
  }
  const memberOf = new Map<string, Set<string>>();
  for (const [name, g] of raw.groups)
    for (const h of g.hosts) ancestors(name, memberOf.get(h) ?? memberOf.set(h, new Set()).get(h)!);

  const hosts = new Map<string, InventoryHost>();
  for (const [name, h] of raw.hosts) {
    const hostGroups = [...(memberOf.get(name) ?? new Set(['all']))].sort(order);
    const vars: Vars = {};
    // Ansible: inventory-file group vars (all < parents < children) < group_vars/all (inventory's, then
    // playbook's) < other group_vars < inventory host vars < host_vars files.
    for (const g of hostGroups) Object.assign(vars, raw.groups.get(g)!.vars);
    for (const tier of [['all'], hostGroups.filter((g) => g !== 'all')])
      for (const files of groupFiles) for (const g of tier) Object.assign(vars, files.get(g));
    Object.assign(vars, h.vars, ...hostFiles.map((m) => m.get(name) ?? {}));
    rebasePaths(vars, varsDirs[0]!);
    hosts.set(name, {name, vars, groups: hostGroups.sort(), pos: h.pos});
  }
  return {source, hosts, groups, warnings: raw.warnings};
}

function checkCycles(raw: RawInventory, errors: PxeError[]): void {
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (name: string, where?: SourcePos): void => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') {
      const cycle = [...path.slice(path.indexOf(name)), name];
      errors.push(
        new PxeError('E_INVENTORY_CYCLE', `group '${name}' is its own descendant: ${cycle.join(' → ')}`, {
          where,
          expected: 'children that form a tree (no group inside itself)',
          hint: `remove '${name}' from the children of '${path[path.length - 1]}'`,
        }),
      );
      return;
    }
    state.set(name, 'visiting');
    path.push(name);
    for (const [child, pos] of raw.groups.get(name)?.children ?? []) visit(child, pos);
    path.pop();
    state.set(name, 'done');
  };
  for (const name of raw.groups.keys()) visit(name, raw.groups.get(name)!.pos);
}
