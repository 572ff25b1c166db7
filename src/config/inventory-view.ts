/** What `pxeprov inventory` shows, shaped like ansible-inventory's --list, --graph and --host (secrets redacted). */
import {PxeError} from '../errors.js';
import type {Inventory, Vars} from './model.js';
import {redactVars} from './redact.js';
import {didYouMean} from './suggest.js';

/** ansible-inventory --list: {_meta: {hostvars}, group: {hosts, children, vars}}. */
export function inventoryList(inventory: Inventory): Record<string, unknown> {
  const out: Record<string, unknown> = {
    // As ansible-inventory: hosts without variables are left out of hostvars.
    _meta: {
      hostvars: Object.fromEntries(
        [...inventory.hosts.values()]
          .filter((h) => Object.keys(h.vars).length)
          .map((h) => [h.name, redactVars(h.vars)]),
      ),
    },
  };
  for (const g of inventory.groups.values()) {
    const entry: Record<string, unknown> = {};
    if (g.hosts.length && g.name !== 'all') entry.hosts = g.hosts;
    if (g.children.length) entry.children = g.children;
    if (Object.keys(g.vars).length) entry.vars = redactVars(g.vars);
    if (Object.keys(entry).length || g.name === 'all') out[g.name] = entry;
  }
  return out;
}

export interface GraphNode {
  group: string;
  hosts: string[];
  children: GraphNode[];
}

export function inventoryGraph(inventory: Inventory, root = 'all'): GraphNode {
  const g = inventory.groups.get(root);
  if (!g) throw unknownName(inventory, root, 'group');
  return {
    group: root,
    hosts: root === 'all' ? [] : [...g.hosts].sort(),
    children: g.children
      .filter((c) => c !== 'ungrouped' || inventory.groups.get(c)!.hosts.length)
      .map((c) => inventoryGraph(inventory, c)),
  };
}

/** The --graph text, as ansible-inventory prints it: `@all:` then `  |--@web:` then `  |  |--web01`. */
export function graphText(node: GraphNode, depth = 0): string {
  const bar = (d: number) => '  ' + '|  '.repeat(d);
  const lines = [depth === 0 ? `@${node.group}:` : `${bar(depth - 1)}|--@${node.group}:`];
  for (const child of node.children) lines.push(graphText(child, depth + 1));
  for (const host of node.hosts) lines.push(`${bar(depth)}|--${host}`);
  return lines.join('\n');
}

export function inventoryHost(inventory: Inventory, name: string): Vars {
  const host = inventory.hosts.get(name);
  if (!host) throw unknownName(inventory, name, 'host');
  return redactVars(host.vars) as Vars;
}

function unknownName(inventory: Inventory, name: string, kind: 'host' | 'group'): PxeError {
  const names = kind === 'host' ? inventory.hosts.keys() : inventory.groups.keys();
  return new PxeError('E_LIMIT', `no ${kind} named '${name}' in ${inventory.source}`, {
    expected: `a ${kind} of the inventory`,
    hint: didYouMean(name, names) ?? 'see them with: pxeprov inventory --graph',
  });
}
