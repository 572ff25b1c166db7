/**
 * The filters and tests Ansible users reach for, added to nunjucks' own (join, lower, upper, replace, first,
 * last, length, list, sort, string, int, trim, …); select/reject and their attr forms replace nunjucks'.
 * IP filters are in template-ip.ts.
 */
import {createHash} from 'node:crypto';
import {createRequire} from 'node:module';
import {posix} from 'node:path';
import type nunjucks from 'nunjucks';
import {encrypt} from 'unixcrypt';
import {jinjaTruthy} from './jinja-semantics.js';
import {ipFilters, ipTests} from './template-ip.js';

type Fn = (...args: any[]) => unknown;
const require = createRequire(import.meta.url);
const yaml = (): typeof import('yaml') => require('yaml') as typeof import('yaml');

/** nunjucks passes `f(a, b=1)` keyword arguments as a last object tagged __keywords. */
export function splitKwargs(args: unknown[]): [unknown[], Record<string, unknown>] {
  const last = args.at(-1) as Record<string, unknown> | undefined;
  if (last && typeof last === 'object' && last.__keywords) {
    const {__keywords: _, ...kw} = last;
    return [args.slice(0, -1), kw];
  }
  return [args, {}];
}

function pyRepr(value: unknown): string {
  if (typeof value === 'string')
    return value.includes("'") && !value.includes('"')
      ? `"${value}"`
      : `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  return pyStr(value);
}

/** Python's str(): what Jinja prints for a value. */
export function pyStr(value: unknown): string {
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (value === null || value === undefined) return 'None';
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(', ')}]`;
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return `{${Object.entries(value)
      .map(([k, v]) => `${pyRepr(k)}: ${pyRepr(v)}`)
      .join(', ')}}`;
  }
  return String(value);
}

/** Ansible's boolean(): yes/on/true/1 (any case) are true. */
export function toBool(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value === 1;
  return ['yes', 'on', '1', 'true', 't', 'y'].includes(String(value).trim().toLowerCase());
}

/** Python's shlex.quote. */
export function shellQuote(value: unknown): string {
  const s = String(value);
  if (s === '') return "''";
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'"'"'`)}'`;
}

/** Python regex syntax → JavaScript: named groups and replacement references. */
function pyRegex(pattern: string, flags: string): RegExp {
  return new RegExp(pattern.replace(/\(\?P</g, '(?<').replace(/\(\?P=(\w+)\)/g, '\\k<$1>'), flags);
}
function pyReplacement(replacement: string): string {
  return replacement
    .replace(/\$/g, '$$$$')
    .replace(/\\g<(\w+)>/g, (_m, g: string) => (/^\d+$/.test(g) ? `$${g}` : `$<${g}>`))
    .replace(/\\(\d)/g, '$$$1');
}

function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortedKeys((value as Record<string, unknown>)[k])]),
    );
  return value;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

function merge(a: Record<string, unknown>, b: Record<string, unknown>, recursive: boolean): Record<string, unknown> {
  const out = {...a};
  for (const [k, v] of Object.entries(b))
    out[k] =
      recursive && isPlainObject(out[k]) && isPlainObject(v) ? merge(out[k] as Record<string, unknown>, v, true) : v;
  return out;
}

/** A salt derived from the password, so re-rendering gives the same hash (idempotent templates). */
function stableSalt(value: string): string {
  const alphabet = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  return [...createHash('sha256').update(`pxeprov:${value}`).digest()]
    .slice(0, 16)
    .map((b) => alphabet[b % 64])
    .join('');
}

/**
 * crypt(3) of a password: 5,000 rounds of SHA-512 take about 27 ms here, and a run renders the same kickstart
 * several times (each read-ahead of its task): computed once per password and setting, in this process only.
 */
const crypted = new Map<string, string>();
function cryptOnce(password: string, setting: string): string {
  const key = `${setting}\0${password}`;
  let hash = crypted.get(key);
  if (hash === undefined) crypted.set(key, (hash = encrypt(password, setting)));
  return hash;
}

const filters: Record<string, Fn> = {
  d: (value: unknown, fallback: unknown = '', boolean = false) =>
    value === undefined || (boolean && !value) ? fallback : value,
  bool: toBool,
  mandatory: (value: unknown, msg?: string) => {
    if (value === undefined) throw new Error(msg ?? 'a mandatory variable is undefined');
    return value;
  },
  ternary: (value: unknown, yes: unknown, no: unknown, none?: unknown) =>
    value === null && none !== undefined ? none : value ? yes : no,
  regex_replace: (value: unknown, pattern: string, replacement = '', ...rest: unknown[]) => {
    const [pos, kw] = splitKwargs(rest);
    const flags = 'g' + ((kw.ignorecase ?? pos[0]) ? 'i' : '') + ((kw.multiline ?? pos[1]) ? 'm' : '');
    return String(value).replace(pyRegex(pattern, flags), pyReplacement(replacement));
  },
  regex_search: (value: unknown, pattern: string, ...rest: unknown[]) => {
    const [groups, kw] = splitKwargs(rest);
    const m = pyRegex(pattern, (kw.ignorecase ? 'i' : '') + (kw.multiline ? 'm' : '')).exec(String(value));
    if (!m) return null;
    if (groups.length === 0) return m[0];
    return groups.map((g) => {
      const ref = /^\\(\d+)$/.exec(String(g)) ?? /^\\g<(\w+)>$/.exec(String(g));
      const key = ref?.[1] ?? String(g);
      return /^\d+$/.test(key) ? m[Number(key)] : m.groups?.[key];
    });
  },
  regex_findall: (value: unknown, pattern: string, ...rest: unknown[]) => {
    const [, kw] = splitKwargs(rest);
    return [
      ...String(value).matchAll(pyRegex(pattern, 'g' + (kw.ignorecase ? 'i' : '') + (kw.multiline ? 'm' : ''))),
    ].map((m) => (m.length > 2 ? m.slice(1) : (m[1] ?? m[0])));
  },
  regex_escape: (value: unknown) => String(value).replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
  to_json: (value: unknown) => JSON.stringify(value),
  to_nice_json: (value: unknown, ...rest: unknown[]) =>
    JSON.stringify(sortedKeys(value), null, Number(splitKwargs(rest)[1].indent ?? 4)),
  to_yaml: (value: unknown) => yaml().stringify(value, {collectionStyle: 'flow'}),
  to_nice_yaml: (value: unknown, ...rest: unknown[]) =>
    yaml().stringify(value, {indent: Number(splitKwargs(rest)[1].indent ?? 4)}),
  from_json: (value: unknown) => JSON.parse(String(value)),
  from_yaml: (value: unknown) => yaml().parse(String(value)),
  b64encode: (value: unknown) => Buffer.from(String(value), 'utf8').toString('base64'),
  b64decode: (value: unknown) => Buffer.from(String(value), 'base64').toString('utf8'),
  basename: (value: unknown) => posix.basename(String(value)),
  dirname: (value: unknown) => posix.dirname(String(value)),
  // Python's os.path.join: an absolute part starts the path over.
  path_join: (value: unknown) =>
    (Array.isArray(value) ? value.map(String) : [String(value)]).reduce(
      (path, part) => (part.startsWith('/') || path === '' ? part : posix.join(path, part)),
      '',
    ),
  splitext: (value: unknown) => {
    const ext = posix.extname(String(value));
    return [String(value).slice(0, String(value).length - ext.length), ext];
  },
  quote: shellQuote,
  hash: (value: unknown, algorithm = 'sha1') => createHash(algorithm).update(String(value)).digest('hex'),
  checksum: (value: unknown) => createHash('sha1').update(String(value)).digest('hex'),
  password_hash: (value: unknown, scheme = 'sha512', salt?: string, rounds?: number) => {
    if (scheme !== 'sha512' && scheme !== 'sha256')
      throw new Error(`password_hash('${scheme}') is not supported: use 'sha512' or 'sha256'`);
    const id = scheme === 'sha512' ? '6' : '5';
    const setting = `$${id}$${rounds ? `rounds=${rounds}$` : ''}${salt ?? stableSalt(String(value))}`;
    return cryptOnce(String(value), setting);
  },
  unique: (value: unknown[]) => distinct(value),
  // Ansible's set theory filters: results keep the first list's order, without duplicates.
  difference: (value: unknown[], other: unknown[]) => distinct(value.filter((v) => !containsValue(other, v))),
  intersect: (value: unknown[], other: unknown[]) => distinct(value.filter((v) => containsValue(other, v))),
  union: (value: unknown[], other: unknown[]) => distinct([...value, ...other]),
  symmetric_difference: (value: unknown[], other: unknown[]) =>
    distinct([...value.filter((v) => !containsValue(other, v)), ...other.filter((v) => !containsValue(value, v))]),
  flatten: (value: unknown[], levels = Infinity) => (value as unknown[]).flat(levels as number),
  min: (value: number[]) => Math.min(...value),
  max: (value: number[]) => Math.max(...value),
  zip: (value: unknown[], ...others: unknown[][]) => value.map((v, i) => [v, ...others.map((o) => o[i])]),
  combine: (value: Record<string, unknown>, ...rest: unknown[]) => {
    const [dicts, kw] = splitKwargs(rest);
    return (dicts.flat() as Record<string, unknown>[]).reduce((acc, d) => merge(acc, d ?? {}, Boolean(kw.recursive)), {
      ...value,
    });
  },
  dict2items: (value: Record<string, unknown>, ...rest: unknown[]) => {
    const [, kw] = splitKwargs(rest);
    const [k, v] = [String(kw.key_name ?? 'key'), String(kw.value_name ?? 'value')];
    return Object.entries(value ?? {}).map(([key, val]) => ({[k]: key, [v]: val}));
  },
  items2dict: (value: Record<string, unknown>[], ...rest: unknown[]) => {
    const [, kw] = splitKwargs(rest);
    const [k, v] = [String(kw.key_name ?? 'key'), String(kw.value_name ?? 'value')];
    return Object.fromEntries(value.map((item) => [item[k], item[v]]));
  },
  type_debug: (value: unknown) =>
    value === null
      ? 'NoneType'
      : Array.isArray(value)
        ? 'list'
        : typeof value === 'object'
          ? 'dict'
          : typeof value === 'string'
            ? 'str'
            : typeof value === 'boolean'
              ? 'bool'
              : Number.isInteger(value)
                ? 'int'
                : 'float',
};

/** item.a.b as Jinja's attribute lookups read it (undefined when a step is missing). */
function attribute(item: unknown, path: unknown): unknown {
  return String(path)
    .split('.')
    .reduce<unknown>((o, k) => (o as Record<string, unknown> | null | undefined)?.[k], item);
}

/** Equality as Python's `in` sees it: by value, for lists and mappings too. */
function containsValue(list: unknown[], value: unknown): boolean {
  if (value === null || typeof value !== 'object') return list.includes(value);
  const key = JSON.stringify(value);
  return list.some((v) => v !== null && typeof v === 'object' && JSON.stringify(v) === key);
}

function distinct(values: unknown[]): unknown[] {
  return values.filter((v, i) => values.findIndex((w) => containsValue([w], v)) === i);
}

const tests: Record<string, Fn> = {
  none: (value: unknown) => value === null,
  match: (value: unknown, pattern: string) => pyRegex(pattern, '').exec(String(value))?.index === 0,
  search: (value: unknown, pattern: string) => pyRegex(pattern, '').test(String(value)),
  regex: (value: unknown, pattern: string) => pyRegex(pattern, '').test(String(value)),
  boolean: (value: unknown) => typeof value === 'boolean',
  changed: (value: unknown) => isPlainObject(value) && value.changed === true,
  failed: (value: unknown) => isPlainObject(value) && value.failed === true,
  succeeded: (value: unknown) => isPlainObject(value) && value.failed !== true,
  success: (value: unknown) => isPlainObject(value) && value.failed !== true,
  skipped: (value: unknown) => isPlainObject(value) && value.skipped === true,
  contains: (value: unknown, item: unknown) => Array.isArray(value) && containsValue(value, item),
  in: (value: unknown, container: unknown) =>
    Array.isArray(container)
      ? containsValue(container, value)
      : typeof container === 'string'
        ? container.includes(String(value))
        : isPlainObject(container) && String(value) in container,
  subset: (value: unknown[], of: unknown[]) => value.every((v) => containsValue(of, v)),
  superset: (value: unknown[], of: unknown[]) => of.every((v) => containsValue(value, v)),
};

export function installFilters(env: nunjucks.Environment): void {
  for (const [name, fn] of Object.entries({...filters, ...ipFilters})) env.addFilter(name, fn);
  // Jinja's default(value, default_value='', boolean=False), also spelled d.
  env.addFilter('default', filters.d!);
  // Jinja's map: map('filter', args…) or map(attribute='x').
  env.addFilter('map', (value: unknown[], ...rest: unknown[]) => {
    const [args, kw] = splitKwargs(rest);
    if (kw.attribute !== undefined) return value.map((v) => attribute(v, kw.attribute) ?? kw.default);
    const [name, ...fargs] = args as [string, ...unknown[]];
    const filter = env.getFilter(name);
    return value.map((v) => filter(v, ...fargs));
  });
  // addTest and getTest exist since nunjucks 3.0; its typings lack them.
  const testEnv = env as unknown as {addTest(name: string, fn: Fn): void; getTest(name: string): Fn};
  const addTest = testEnv.addTest.bind(testEnv);
  // Jinja's select/reject(test, args…) and selectattr/rejectattr(attr, test, args…). nunjucks' *attr take no
  // test at all (selectattr('kind', 'equalto', 'x') would keep every item with a kind) and all four judge by
  // JavaScript's truth; Jinja applies the named test, or Python's truth without one.
  const judge = (keep: boolean, byAttribute: boolean) =>
    function (this: unknown, value: Iterable<unknown>, ...rest: unknown[]) {
      const [attr, testName, ...args] = byAttribute ? rest : [undefined, ...rest];
      const test = testName === undefined ? jinjaTruthy : testEnv.getTest(String(testName));
      return [...value].filter(
        (item) => Boolean(test.call(this, byAttribute ? attribute(item, attr) : item, ...args)) === keep,
      );
    };
  env.addFilter('select', judge(true, false));
  env.addFilter('reject', judge(false, false));
  env.addFilter('selectattr', judge(true, true));
  env.addFilter('rejectattr', judge(false, true));
  for (const [name, fn] of Object.entries({...tests, ...ipTests})) addTest(name, fn);
}
