/**
 * YAML with source positions. Parsed like Ansible's PyYAML (YAML 1.1: yes/no/on/off booleans, 0644 octal,
 * `<<` merge keys) minus its traps: no sexagesimal ints (an unquoted MAC `52:54:00:12:34:56` stays a string),
 * no timestamps, and `y`/`n` stay strings. Every error carries file:line:col.
 */
import {createRequire} from 'node:module';
import type {Document, LineCounter, Node, Pair, Tags, YAMLMap} from 'yaml';
import {PxeError, PxeErrors} from '../errors.js';
import {isVaultText} from '../vault/format.js';
import {decryptVaultFile, decryptVaultValue} from '../vault/keyring.js';
import {trackSecretValues} from './redact.js';
import {cacheEnabled, cacheKey, cacheRead, cacheWrite} from './cache.js';
import type {SourcePos} from './model.js';
import {holdsSecret} from './redact.js';
import {readText} from './text-file.js';
import {parseFastYaml, type FastYaml} from './yaml-fast.js';

const require = createRequire(import.meta.url);
/** The yaml library loads on first use: a validate whose files are all cached never needs it. */
const lib = (): typeof import('yaml') => require('yaml') as typeof import('yaml');
const PARSER_VERSION = 2;

/** Path (segments joined by NUL) → [line, col] of the node, plus [line, col] of its key in a mapping. */
type PosIndex = Record<string, number[]>;

/** A parsed file; the document with positions is built only when an error needs a position. */
export class YamlFile {
  private parsed?: {doc: Document.Parsed; lines: LineCounter};

  constructor(
    readonly file: string,
    readonly text: string,
    readonly value: unknown,
    parsed?: {doc: Document.Parsed; lines: LineCounter},
    /** Positions from the cache: a task's position does not need the parser. */
    readonly index?: PosIndex,
    /** Positions from the fast first pass. */
    readonly fast?: FastYaml,
  ) {
    this.parsed = parsed;
  }

  private lineStarts?: Uint32Array;

  /** Line and column (from 1) of an offset in the text, as the library's LineCounter gives them. */
  linePos(offset: number): {line: number; col: number} {
    if (!this.lineStarts) {
      const starts = [0];
      for (let i = this.text.indexOf('\n'); i >= 0; i = this.text.indexOf('\n', i + 1)) starts.push(i + 1);
      this.lineStarts = Uint32Array.from(starts);
    }
    const starts = this.lineStarts;
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (starts[mid]! <= offset) low = mid;
      else high = mid - 1;
    }
    return {line: low + 1, col: offset - starts[low]! + 1};
  }

  get isParsed(): boolean {
    return this.parsed !== undefined;
  }

  get doc(): Document.Parsed {
    return (this.parsed ??= parse(this.text)).doc;
  }

  get lines(): LineCounter {
    return (this.parsed ??= parse(this.text)).lines;
  }
}

export type YamlPath = ReadonlyArray<string | number>;

const PYYAML_TRUE = /^(?:[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON)$/;
const PYYAML_FALSE = /^(?:[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF)$/;

function ansibleTags(tags: Tags): Tags {
  return tags
    .flatMap((t): Tags => {
      if (typeof t === 'string') return [t];
      if (t.format === 'TIME' || t.tag === 'tag:yaml.org,2002:timestamp') return [];
      if (t.tag !== 'tag:yaml.org,2002:bool' || !('test' in t) || !t.test) return [t];
      return [{...t, test: t.test.test('yes') ? PYYAML_TRUE : PYYAML_FALSE}];
    })
    .concat(VAULT_TAG);
}

/** Ansible's inline vault value: the tag keeps the vault text, parseYaml decrypts it where the node is. */
const VAULT_TAG = {tag: '!vault', identify: () => false, resolve: (text: string) => text};
const INLINE_VAULT = /!vault\b/;

const HINTS: Record<string, string> = {
  TAB_AS_INDENT: 'YAML indentation must use spaces, not tabs',
  BAD_INDENT: 'check the indentation of this line against the lines above it',
  MISSING_CHAR: 'a quote or bracket is not closed; close it or quote the whole value',
  BLOCK_AS_IMPLICIT_KEY: "a value containing ': ' must be quoted, or this line is indented too far",
  MULTILINE_IMPLICIT_KEY: 'this line is probably indented too far (or a quote is not closed above)',
  UNEXPECTED_TOKEN: 'check the indentation and the "- " / "key: " markers near here',
  MULTIPLE_DOCS: 'keep one YAML document per file (remove the extra "---")',
};

export function posOf(lines: LineCounter, file: string, offset: number): SourcePos {
  const {line, col} = lines.linePos(offset);
  return {file, line, col};
}

function parse(text: string): {doc: Document.Parsed; lines: LineCounter} {
  const lines = new (lib().LineCounter)();
  // The library's own duplicate-key check compares each key with every earlier one (quadratic in the size of
  // a mapping: a flat inventory of 100,000 hosts never finishes); duplicateKeys does it in one pass.
  const doc = lib().parseDocument(text, {
    lineCounter: lines,
    version: '1.1',
    merge: true,
    customTags: ansibleTags,
    prettyErrors: false,
    uniqueKeys: false,
  });
  return {doc, lines};
}

/** JSON keeps the value exactly (no NaN/Infinity, dates or binary): only then is it cached. */
function jsonExact(value: unknown): string | undefined {
  let exact = true;
  const text = JSON.stringify(value, (_k, v: unknown) => {
    if (
      (typeof v === 'number' && !Number.isFinite(v)) ||
      v instanceof Uint8Array ||
      v instanceof Date ||
      v instanceof Map ||
      v instanceof Set
    )
      exact = false;
    return v;
  });
  return exact ? text : undefined;
}

export interface ParseYamlOptions {
  /** Decrypted vault file: every value is a secret. */
  secret?: boolean;
}

/**
 * Parse YAML text; every syntax error of the file at once as E_YAML_SYNTAX. Inline `!vault` values are
 * decrypted; a file with vault content (or decrypted from a vault) is never cached, since the cache would
 * hold its plaintext.
 */
export function parseYaml(text: string, file: string, options: ParseYamlOptions = {}): YamlFile {
  const inlineVault = INLINE_VAULT.test(text);
  const cacheable = !options.secret && !inlineVault;
  const key = cacheKey(PARSER_VERSION, text);
  const cached = cacheable ? cacheRead('yaml', key) : undefined;
  if (cached !== undefined) {
    const {value, index} = JSON.parse(cached) as {value: unknown; index: PosIndex};
    return new YamlFile(file, text, value, undefined, index);
  }
  // Well-formed files of the common shape are read by the fast first pass; the library parses the rest
  // (and reports every error).
  const fast = inlineVault ? undefined : parseFastYaml(text);
  if (fast) {
    const y = new YamlFile(file, text, fast.value, undefined, undefined, fast);
    if (options.secret) trackSecretValues(fast.value);
    const json = cacheable && cacheEnabled() && !holdsSecret(fast.value) ? jsonExact(fast.value) : undefined;
    if (json !== undefined) cacheWrite('yaml', key, `{"value":${json},"index":${JSON.stringify(fastIndex(y, fast))}}`);
    return y;
  }
  const {doc, lines} = parse(text);
  const errors = doc.errors.map(
    (e) =>
      new PxeError('E_YAML_SYNTAX', e.message, {
        where: posOf(lines, file, e.pos[0]),
        expected: 'valid YAML',
        hint: HINTS[e.code],
      }),
  );
  errors.push(...duplicateKeys(doc, lines, file));
  if (errors.length === 0) errors.push(...unquotedTemplates(doc, lines, file));
  if (errors.length === 0 && inlineVault) errors.push(...decryptInlineVaults(doc, lines, file));
  if (errors.length) throw new PxeErrors(errors);
  const value = toValue(doc, lines, file);
  if (options.secret) trackSecretValues(value);
  // A file that holds secrets is not cached: a copy without them would not be the file's value, and one
  // with them would leave them in clear in a second place, outliving the source's own protection.
  const json = cacheable && cacheEnabled() && !holdsSecret(value) ? jsonExact(value) : undefined;
  if (json !== undefined)
    cacheWrite('yaml', key, `{"value":${json},"index":${JSON.stringify(positionIndex(doc, lines))}}`);
  return new YamlFile(file, text, value, {doc, lines});
}

/** The document's value; aliases that expand past the yaml library's limit ("billion laughs") are invalid input. */
function toValue(doc: Document.Parsed, lines: LineCounter, file: string): unknown {
  try {
    return doc.toJS({maxAliasCount: 1000});
  } catch (cause) {
    if (!(cause instanceof ReferenceError) || !/alias count/i.test(cause.message)) throw cause;
    let first: number | undefined;
    lib().visit(doc, {
      Alias(_key, alias) {
        first = alias.range?.[0];
        return lib().visit.BREAK;
      },
    });
    throw new PxeError('E_YAML_SYNTAX', 'aliases (*name) expand to too many nodes', {
      where: posOf(lines, file, first ?? 0),
      expected: 'aliases that repeat a value a few times, not anchors of aliases of anchors',
      hint: 'write the values out, or use group_vars for what many hosts share',
      cause,
    });
  }
}

/** Each repeated key at its own position, naming the line of the first one. */
function duplicateKeys(doc: Document.Parsed, lines: LineCounter, file: string): PxeError[] {
  const errors: PxeError[] = [];
  lib().visit(doc, {
    Map(_key, map) {
      const seen = new Map<string, number>();
      for (const pair of map.items) {
        if (!lib().isScalar(pair.key) || !pair.key.range) continue;
        const name = String(pair.key.value);
        const first = seen.get(name);
        if (first === undefined) {
          seen.set(name, pair.key.range[0]);
          continue;
        }
        errors.push(
          new PxeError('E_YAML_SYNTAX', `duplicate key '${name}'`, {
            where: posOf(lines, file, pair.key.range[0]),
            expected: 'each key once per mapping',
            hint: `'${name}' is already set at line ${lines.linePos(first).line}; remove or rename one of them`,
          }),
        );
      }
    },
  });
  return errors;
}

/** `x: {{ v }}` parses as a flow mapping with a mapping as key: Ansible's classic "quote the template" error. */
function unquotedTemplates(doc: Document.Parsed, lines: LineCounter, file: string): PxeError[] {
  const errors: PxeError[] = [];
  const {isMap, visit} = lib();
  visit(doc, {
    Pair(_key, pair) {
      if (isMap(pair.key) && pair.key.flow && pair.key.range) {
        errors.push(
          new PxeError('E_YAML_SYNTAX', 'a value starting with "{{" is read as a YAML mapping', {
            where: posOf(lines, file, pair.key.range[0] - 1),
            expected: 'a quoted string',
            hint: 'quote the whole value: key: "{{ var }}"',
          }),
        );
        return visit.SKIP;
      }
      return undefined;
    },
  });
  return errors;
}

/** Each `!vault` scalar replaced by its plaintext in the document; an error at its line when it does not decrypt. */
function decryptInlineVaults(doc: Document.Parsed, lines: LineCounter, file: string): PxeError[] {
  const errors: PxeError[] = [];
  const {isScalar, visit} = lib();
  visit(doc, (_key, node) => {
    if ((node as Node | null)?.tag !== '!vault') return;
    const where = posOf(lines, file, (node as Node).range?.[0] ?? 0);
    if (!isScalar(node) || typeof node.value !== 'string') {
      errors.push(
        new PxeError('E_VAULT', 'a !vault value must be a string of vault text', {
          where,
          expected: '!vault | followed by the indented $ANSIBLE_VAULT lines',
          hint: 'paste the output of pxeprov vault encrypt-string --name NAME',
        }),
      );
      return;
    }
    try {
      node.value = decryptVaultValue(node.value, where);
    } catch (e) {
      if (!(e instanceof PxeError)) throw e;
      errors.push(e);
    }
  });
  return errors;
}

/** A YAML file, decrypted first when it is a whole vault-encrypted file. */
export function loadYaml(file: string, what?: string): YamlFile {
  const text = readText(file, what, 'E_YAML_SYNTAX');
  return isVaultText(text) ? parseYaml(decryptVaultFile(text, {file}), file, {secret: true}) : parseYaml(text, file);
}

/** Each mapping's entries by key, built on its first lookup: a position costs O(depth), not O(size of the mapping). */
const entriesByKey = new WeakMap<YAMLMap, Map<string, Pair>>();

function entryOf(map: YAMLMap, key: string): Pair | undefined {
  let entries = entriesByKey.get(map);
  if (!entries) {
    const {isPair, isScalar} = lib();
    entries = new Map();
    for (const pair of map.items) {
      if (!isPair(pair) || !isScalar(pair.key)) continue;
      const name = String(pair.key.value);
      if (!entries.has(name)) entries.set(name, pair);
    }
    entriesByKey.set(map, entries);
  }
  return entries.get(key);
}

/** The node at `path`, or the deepest existing ancestor. `key: true` gives the key of the last map entry. */
export function nodeAt(y: YamlFile, path: YamlPath, key = false): Node | undefined {
  const {isMap, isSeq} = lib();
  let node: unknown = y.doc.contents;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    if (isMap(node)) {
      const pair = entryOf(node, String(seg));
      if (!pair) return node;
      if (key && i === path.length - 1) return pair.key as Node;
      node = pair.value ?? pair.key;
    } else if ((isSeq(node) && typeof seg === 'number') || (isSeq(node) && /^\d+$/.test(String(seg)))) {
      const item = (node as {items: unknown[]}).items[Number(seg)];
      if (!item) return node as Node;
      node = item;
    } else {
      return node as Node;
    }
  }
  return node as Node;
}

function positionIndex(doc: Document.Parsed, lines: LineCounter): PosIndex {
  const {isMap, isPair, isScalar, isSeq} = lib();
  const index: PosIndex = {};
  const at = (offset: number) => {
    const {line, col} = lines.linePos(offset);
    return [line, col];
  };
  const walk = (node: unknown, path: string[], keyOffset?: number): void => {
    const range = (node as Node | undefined)?.range;
    if (!range) return;
    index[path.join('\u0000')] = keyOffset === undefined ? at(range[0]) : [...at(range[0]), ...at(keyOffset)];
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair) || !isScalar(pair.key) || !pair.key.range) continue;
        const child = [...path, String(pair.key.value)];
        if (pair.value) walk(pair.value, child, pair.key.range[0]);
        else index[child.join('\u0000')] = [...at(pair.key.range[0]), ...at(pair.key.range[0])];
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => walk(item, [...path, String(i)]));
    }
  };
  walk(doc.contents, []);
  return index;
}

/** Each mapping's keys by name → their place in the mapping's offsets, built on the first lookup. */
const keyIndexes = new WeakMap<object, Map<string, number>>();

function keyIndex(map: object, key: string): number | undefined {
  let index = keyIndexes.get(map);
  if (!index) {
    index = new Map(Object.keys(map).map((name, i) => [name, i]));
    keyIndexes.set(map, index);
  }
  return index.get(key);
}

/** The offset of the node at `path` (or of its deepest existing ancestor) from the fast pass's offsets. */
function fastOffset(y: YamlFile, fast: FastYaml, path: YamlPath, key: boolean): number {
  let value = y.value;
  let offset = fast.root;
  for (let i = 0; i < path.length; i++) {
    const spots = value !== null && typeof value === 'object' ? fast.spots.get(value) : undefined;
    if (!spots) break;
    const seg = path[i]!;
    if (Array.isArray(value)) {
      if (!/^\d+$/.test(String(seg)) || Number(seg) >= value.length) break;
      offset = spots[Number(seg)]!;
      value = value[Number(seg)];
    } else {
      const at = keyIndex(value as object, String(seg));
      if (at === undefined) break;
      if (key && i === path.length - 1) return spots[2 * at]!;
      offset = spots[2 * at + 1]!;
      value = (value as Record<string, unknown>)[String(seg)];
    }
  }
  return offset;
}

/** What positionIndex gives for the library's document, from the fast pass's offsets (for the cache). */
function fastIndex(y: YamlFile, fast: FastYaml): PosIndex {
  const index: PosIndex = {};
  const at = (offset: number) => {
    const {line, col} = y.linePos(offset);
    return [line, col];
  };
  const walk = (value: unknown, offset: number, path: string[], keyOffset?: number): void => {
    index[path.join('\u0000')] = keyOffset === undefined ? at(offset) : [...at(offset), ...at(keyOffset)];
    const spots = value !== null && typeof value === 'object' ? fast.spots.get(value) : undefined;
    if (!spots) return;
    if (Array.isArray(value)) value.forEach((item, i) => walk(item, spots[i]!, [...path, String(i)]));
    else
      Object.entries(value as object).forEach(([name, inner], i) =>
        walk(inner, spots[2 * i + 1]!, [...path, name], spots[2 * i]),
      );
  };
  walk(y.value, fast.root, []);
  return index;
}

export function posAt(y: YamlFile, path: YamlPath, key = false): SourcePos {
  if (y.fast && !y.isParsed) return {file: y.file, ...y.linePos(fastOffset(y, y.fast, path, key))};
  if (y.index && !y.isParsed) {
    for (let n = path.length; n >= 0; n--) {
      const hit = y.index[path.slice(0, n).map(String).join('\u0000')];
      if (!hit) continue;
      const [line, col] = key && n === path.length && hit.length === 4 ? hit.slice(2) : hit;
      return {file: y.file, line: line!, col: col!};
    }
  }
  const node = nodeAt(y, path, key);
  return posOf(y.lines, y.file, node?.range?.[0] ?? 0);
}
