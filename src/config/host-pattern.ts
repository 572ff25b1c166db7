/**
 * Ansible host patterns, for a play's `hosts:` and --limit: `all`, `*`, names of hosts or groups, globs
 * (`web*`), subscripts (`web[0]`, `web[0:2]`, inclusive), `~regex`, unions `a:b` / `a,b`, intersections
 * `a:&b` and exclusions `a:!b` (applied after the unions, as Ansible does).
 */
import {PxeError, PxeErrors} from '../errors.js';
import type {Inventory} from './model.js';
import {didYouMean} from './suggest.js';

/** Split on commas, or else on colons outside brackets and not inside an IPv6 address. */
export function splitPattern(pattern: string | string[]): string[] {
  if (Array.isArray(pattern)) return pattern.flatMap(splitPattern);
  if (pattern.includes(','))
    return pattern
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean);
  if (/^[0-9a-fA-F]*::?[0-9a-fA-F:]*$/.test(pattern) && (pattern.match(/:/g) ?? []).length > 1) return [pattern];
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const c of pattern.trim()) {
    if (c === '[') depth++;
    if (c === ']') depth--;
    if (c === ':' && depth === 0) {
      terms.push(current);
      current = '';
    } else current += c;
  }
  terms.push(current);
  return terms.map((t) => t.trim()).filter(Boolean);
}

/** All hosts of a group, its descendants' included, in inventory order. */
export function hostsOfGroup(inventory: Inventory, group: string): string[] {
  if (group === 'all') return [...inventory.hosts.keys()];
  return [...inventory.hosts.values()].filter((h) => h.groups.includes(group)).map((h) => h.name);
}

function globToRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

const SUBSCRIPT = /^(.+?)\[(?:(-?\d+)|(\d*):(\d*))\]$/;

/** The hosts one term names, or undefined when it names nothing. */
function matchTerm(inventory: Inventory, term: string): string[] | undefined {
  if (term === 'all' || term === '*') return [...inventory.hosts.keys()];
  if (term.startsWith('~')) {
    let re: RegExp;
    try {
      re = new RegExp(term.slice(1));
    } catch (e) {
      throw new PxeError('E_LIMIT', `bad regular expression '${term}': ${(e as Error).message}`, {
        expected: '~ followed by a JavaScript regular expression',
      });
    }
    return byNames(inventory, (n) => re.test(n));
  }
  const sub = SUBSCRIPT.exec(term);
  if (sub && (inventory.groups.has(sub[1]!) || /[*?]/.test(sub[1]!))) {
    const hosts = matchTerm(inventory, sub[1]!) ?? [];
    if (sub[2] !== undefined) {
      const i = Number(sub[2]);
      const host = hosts.at(i);
      return host === undefined ? [] : [host];
    }
    return hosts.slice(sub[3] ? Number(sub[3]) : 0, sub[4] ? Number(sub[4]) + 1 : undefined);
  }
  if (/[*?[]/.test(term)) {
    const re = globToRegExp(term);
    return byNames(inventory, (n) => re.test(n));
  }
  if (inventory.groups.has(term)) return hostsOfGroup(inventory, term);
  if (inventory.hosts.has(term)) return [term];
  return undefined;
}

function byNames(inventory: Inventory, test: (name: string) => boolean): string[] | undefined {
  const hosts = new Set<string>();
  for (const g of inventory.groups.keys()) if (test(g)) for (const h of hostsOfGroup(inventory, g)) hosts.add(h);
  for (const h of inventory.hosts.keys()) if (test(h)) hosts.add(h);
  return hosts.size ? [...hosts] : undefined;
}

export interface SelectOptions {
  /** Name the source in messages, e.g. "--limit" or "play 'PXE'". */
  what?: string;
  /** Throw E_LIMIT for a term that matches nothing (default true). */
  strict?: boolean;
}

/** Host names matching `pattern`, in inventory order. */
export function selectHosts(inventory: Inventory, pattern: string | string[], options: SelectOptions = {}): string[] {
  const {what = '--limit', strict = true} = options;
  const terms = splitPattern(pattern);
  const plain = terms.filter((t) => !t.startsWith('!') && !t.startsWith('&'));
  const ordered = [...plain, ...terms.filter((t) => t.startsWith('&')), ...terms.filter((t) => t.startsWith('!'))];
  const errors: PxeError[] = [];
  let selected = new Set<string>();
  if (plain.length === 0) selected = new Set(inventory.hosts.keys());
  for (const term of ordered) {
    const name = term.replace(/^[!&]/, '');
    const hosts = matchTerm(inventory, name);
    if (!hosts) {
      if (strict) {
        errors.push(
          new PxeError('E_LIMIT', `${what}: '${name}' matches no host or group of the inventory`, {
            expected: `a host or group of ${inventory.source}, a glob (web*), or ~regex`,
            hint:
              didYouMean(name, [...inventory.groups.keys(), ...inventory.hosts.keys()]) ??
              'see the names with: pxeprov inventory --graph',
          }),
        );
      }
      continue;
    }
    if (term.startsWith('&')) selected = new Set(hosts.filter((h) => selected.has(h)));
    else if (term.startsWith('!')) for (const h of hosts) selected.delete(h);
    else for (const h of hosts) selected.add(h);
  }
  if (errors.length) throw errors.length === 1 ? errors[0] : new PxeErrors(errors);
  return [...inventory.hosts.keys()].filter((h) => selected.has(h));
}
