/**
 * group_vars/ and host_vars/ beside an inventory (or a playbook): NAME.yaml, NAME.yml, NAME.json, NAME, or a
 * NAME/ folder whose files (sorted, recursively) merge in order.
 */
import {readdirSync, statSync} from 'node:fs';
import {join} from 'node:path';
import {collectErrors, PxeError, PxeErrors} from '../errors.js';
import type {Vars} from './model.js';
import {checkSchema} from './schema-check.js';
import {varsSchema} from './schemas.js';
import {loadYaml} from './yaml.js';

const VARS_EXT = /\.(ya?ml|json)$/;
const IGNORED = /(^\.|~$|\.(orig|bak|swp|retry|md|txt)$)/;

function list(dir: string): string[] {
  try {
    return readdirSync(dir).filter((n) => !IGNORED.test(n)).sort();
  } catch {
    return [];
  }
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function filesUnder(dir: string): string[] {
  return list(dir).flatMap((n) => (isDir(join(dir, n)) ? filesUnder(join(dir, n)) : VARS_EXT.test(n) || !n.includes('.') ? [join(dir, n)] : []));
}

/** Load one vars file: a mapping (or empty), connection variables type-checked. */
export function loadVarsFile(file: string, errors: PxeError[], what = 'vars file'): Vars {
  return (
    collectErrors(errors, () => {
      const y = loadYaml(file, what);
      const problems = checkSchema(varsSchema, y.value, y);
      if (problems.length) throw new PxeErrors(problems);
      return (y.value ?? {}) as Vars;
    }) ?? {}
  );
}

/** NAME → merged vars of its files in `dir` (e.g. group_vars/), for the names asked (Ansible's lookup). */
export function loadVarsDir(dir: string, names: Iterable<string>, errors: PxeError[]): Map<string, Vars> {
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
    if (files.length) byName.set(name, Object.assign({}, ...files.map((f) => loadVarsFile(f, errors))));
  }
  return byName;
}
