/** Ansible's YAML inventory (all / hosts / children / vars) → RawInventory, every error with its position. */
import {PxeError, PxeErrors} from '../errors.js';
import {checkConnectionVars} from './connection-checks.js';
import {expandHostRange} from './host-range.js';
import {addHost, rawGroup, type RawInventory} from './inventory-raw.js';
import type {Vars} from './model.js';
import {checkSchema} from './schema-check.js';
import {inventorySchema} from './schemas.js';
import {posAt, type YamlFile, type YamlPath} from './yaml.js';

type GroupDef = {
  hosts?: Record<string, Vars | null> | null;
  children?: Record<string, GroupDef | null> | null;
  vars?: Vars | null;
} | null;

export function readYamlInventory(y: YamlFile, raw: RawInventory): void {
  const errors = checkSchema(inventorySchema, y.value, y);
  if (errors.length) throw new PxeErrors(errors);
  const top = (y.value ?? {}) as Record<string, GroupDef>;
  for (const [name, def] of Object.entries(top)) {
    if (name !== 'all') rawGroup(raw, 'all').children.set(name, posAt(y, [name], true));
    readGroup(y, raw, name, def, [name], errors);
  }
  if (errors.length) throw new PxeErrors(errors);
}

function readGroup(
  y: YamlFile,
  raw: RawInventory,
  name: string,
  def: GroupDef,
  path: YamlPath,
  errors: PxeError[],
): void {
  const group = rawGroup(raw, name, posAt(y, path, true));
  Object.assign(group.vars, def?.vars ?? {});
  checkConnectionVars(
    def?.vars,
    {label: `group '${name}'`, at: (key) => posAt(y, [...path, 'vars', key], true)},
    errors,
    raw.warnings,
  );
  for (const [pattern, vars] of Object.entries(def?.hosts ?? {})) {
    const where = posAt(y, [...path, 'hosts', pattern], true);
    checkConnectionVars(
      vars,
      {label: `host '${pattern}'`, host: pattern, at: (key) => posAt(y, [...path, 'hosts', pattern, key], true)},
      errors,
      raw.warnings,
    );
    try {
      for (const host of expandHostRange(pattern, where)) addHost(raw, name, host, vars ?? {}, where);
    } catch (e) {
      errors.push(e as PxeError);
    }
  }
  for (const [child, childDef] of Object.entries(def?.children ?? {})) {
    const childPath = [...path, 'children', child];
    group.children.set(child, posAt(y, childPath, true));
    readGroup(y, raw, child, childDef, childPath, errors);
  }
}
