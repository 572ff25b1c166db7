/** The inventory as its files say it, before groups are resolved: what the YAML and INI parsers produce. */
import type {SourcePos, Vars} from './model.js';

export interface RawGroup {
  hosts: Set<string>;
  /** Child group name → where it was named (for cycle errors). */
  children: Map<string, SourcePos | undefined>;
  vars: Vars;
  pos?: SourcePos;
}

export interface RawHost {
  vars: Vars;
  pos?: SourcePos;
}

export interface RawInventory {
  groups: Map<string, RawGroup>;
  hosts: Map<string, RawHost>;
  /** What is accepted but worth saying (an ansible_* variable pxeprov does not read), with its location. */
  warnings: string[];
}

export function emptyRaw(): RawInventory {
  return {groups: new Map([['all', newGroup()]]), hosts: new Map(), warnings: []};
}

function newGroup(pos?: SourcePos): RawGroup {
  return {hosts: new Set(), children: new Map(), vars: {}, pos};
}

/** Get or create a group; a group may be named in several places, they merge. */
export function rawGroup(raw: RawInventory, name: string, pos?: SourcePos): RawGroup {
  let group = raw.groups.get(name);
  if (!group) raw.groups.set(name, (group = newGroup(pos)));
  group.pos ??= pos;
  return group;
}

/** Add a host to a group; vars of a host named several times merge, the later entry winning. */
export function addHost(raw: RawInventory, group: string, host: string, vars: Vars, pos?: SourcePos): void {
  rawGroup(raw, group).hosts.add(host);
  const known = raw.hosts.get(host);
  if (known) Object.assign(known.vars, vars);
  else raw.hosts.set(host, {vars: {...vars}, pos});
}
