/**
 * group_vars/ and host_vars/ beside an inventory (or a playbook): NAME.yaml, NAME.yml, NAME.json, NAME, or a
 * NAME/ folder whose files (sorted, recursively) merge in order.
 */
import {isDirectory, listDirectory} from './text-file.js';
import {join} from 'node:path';
import {collectErrors, PxeError, PxeErrors} from '../errors.js';
import {checkConnectionVars, type VarsOwner} from './connection-checks.js';
import type {Vars} from './model.js';
import {checkSchema} from './schema-check.js';
import {varsSchema} from './schemas.js';
import {posAt, loadYaml} from './yaml.js';

const VARS_EXT = /\.(ya?ml|json)$/;
const IGNORED = /(^\.|~$|\.(orig|bak|swp|retry|md|txt)$)/;

function list(dir: string): string[] {
  return listDirectory(dir, 'variables directory')
    .filter((n) => !IGNORED.test(n))
    .sort();
}

const isDir = (path: string) => isDirectory(path, 'variables directory');

function filesUnder(dir: string): string[] {
  return list(dir).flatMap((n) =>
    isDir(join(dir, n)) ? filesUnder(join(dir, n)) : VARS_EXT.test(n) || !n.includes('.') ? [join(dir, n)] : [],
  );
}

/** An inventory's vars file: its connection variables are checked too (errors, and warnings into `warnings`). */
interface InventoryVarsFile {
  owner: Omit<VarsOwner, 'at'>;
  warnings: string[];
}

/** Load one vars file: a mapping (or empty), connection variables type-checked. */
export function loadVarsFile(
  file: string,
  errors: PxeError[],
  what = 'vars file',
  inventory?: InventoryVarsFile,
): Vars {
  return (
    collectErrors(errors, () => {
      const y = loadYaml(file, what);
      const problems = checkSchema(varsSchema, y.value, y);
      if (inventory && !problems.length)
        checkConnectionVars(
          y.value as Vars,
          {...inventory.owner, at: (key) => posAt(y, [key], true)},
          problems,
          inventory.warnings,
        );
      if (problems.length) throw new PxeErrors(problems);
      return (y.value ?? {}) as Vars;
    }) ?? {}
  );
}

/**
 * NAME → merged vars of its files in `dir` (e.g. group_vars/), for the names asked (Ansible's lookup);
 * `kind` says whose variables they are, for the connection variable checks.
 */
export function loadVarsDir(
  dir: string,
  names: Iterable<string>,
  errors: PxeError[],
  kind: 'group' | 'host',
  warnings: string[],
): Map<string, Vars> {
  const byName = new Map<string, Vars>();
  const entries = new Set(list(dir));
  if (entries.size === 0) return byName;
  for (const name of names) {
    const files: string[] = [];
    for (const entry of [name, `${name}.yaml`, `${name}.yml`, `${name}.json`]) {
      if (!entries.has(entry)) continue;
      const path = join(dir, entry);
      files.push(...(isDir(path) ? filesUnder(path) : [path]));
    }
    const owner = {label: `${kind} '${name}'`, ...(kind === 'host' ? {host: name} : {})};
    if (files.length)
      byName.set(name, Object.assign({}, ...files.map((f) => loadVarsFile(f, errors, 'vars file', {owner, warnings}))));
  }
  return byName;
}
