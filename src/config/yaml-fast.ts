/**
 * A fast first pass for the YAML that inventories and variable files are made of: block mappings and
 * sequences, one-line flow collections, plain and one-line quoted scalars, comments. It builds the value
 * and the offset of every node in one pass, without the yaml library's documents (a 50 MB inventory in
 * seconds, not minutes). Anything else (anchors, tags, block or multi-line scalars, merge keys, numbers
 * in other forms than plain decimals, duplicate keys, any doubt about indentation) makes it decline
 * (undefined), and the caller parses the text with the yaml library, which also reports every error.
 * What it returns is what the library returns under YAML 1.1 as parseYaml configures it.
 */

/** The offsets of a container's entries: [keyOffset, valueOffset, ...] of a mapping in key order; [itemOffset, ...] of a sequence. */
export type Spots = WeakMap<object, number[]>;

export interface FastYaml {
  value: unknown;
  /** The offset of the root node. */
  root: number;
  spots: Spots;
}

/** Thrown inside the parser to give up; never leaves this module. */
class Decline extends Error {}
const decline = (): never => {
  throw new Decline();
};

const PYYAML_TRUE = /^(?:[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON)$/;
const PYYAML_FALSE = /^(?:[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF)$/;
const NULL = /^(?:~|[Nn]ull|NULL)$/;
const SIMPLE_INT = /^[-+]?(?:0|[1-9][0-9]{0,14})$/;
const SIMPLE_FLOAT = /^[-+]?(?:0|[1-9][0-9]{0,14})\.[0-9]{1,15}$/;
/** Every other form a YAML 1.1 plain scalar resolves to a number (or a merge key) in: left to the library. */
const OTHER_NUMBER =
  /^[-+]?(?:0b[0-1_]+|0[0-7_]+|[0-9][0-9_]*|0x[0-9a-fA-F_]+|\.(?:inf|Inf|INF)|(?:[0-9][0-9_]*)?(?:\.[0-9_]*)?[eE][-+]?[0-9]+|(?:[0-9][0-9_]*)?\.[0-9_]*)$|^\.(?:nan|NaN|NAN)$|^<<$/;
/** Characters a plain scalar may not start with (the structure's indicators). */
const INDICATOR = /^[-?:,[\]{}#&*!|>'"%@`]/;
/** A key JavaScript would move to the front of an object (array-index keys): left to the library. */
const INDEX_KEY = /^(?:0|[1-9][0-9]*)$/;
/** Bytes the library rejects or treats specially (control characters, tabs, CR, BOM): left to it. */
const AWKWARD = /[\u0000-\u0009\u000b-\u001f\u007f\ufeff]/;

/** A plain scalar's value, as the library resolves it with parseYaml's tags. */
function plainValue(text: string): unknown {
  if (NULL.test(text)) return null;
  if (PYYAML_TRUE.test(text)) return true;
  if (PYYAML_FALSE.test(text)) return false;
  const first = text.charCodeAt(0);
  // Only a scalar starting with a digit, a sign, a dot or '<' can be a number or a merge key.
  if ((first >= 48 && first <= 57) || first === 43 || first === 45 || first === 46 || first === 60) {
    if (SIMPLE_INT.test(text) || SIMPLE_FLOAT.test(text)) return Number(text);
    if (OTHER_NUMBER.test(text)) decline();
  }
  return text;
}

const ESCAPES: Record<string, string> = {
  '0': '\0',
  a: '\x07',
  b: '\b',
  t: '\t',
  n: '\n',
  v: '\v',
  f: '\f',
  r: '\r',
  e: '\x1b',
  ' ': ' ',
  '"': '"',
  '/': '/',
  '\\': '\\',
  N: '\u0085',
  _: '\u00a0',
  L: '\u2028',
  P: '\u2029',
};
const HEX_LENGTH: Record<string, number> = {x: 2, u: 4, U: 8};

class Parser {
  private readonly starts: number[] = [];
  private readonly indents: number[] = [];
  private line = 0;
  readonly spots: Spots = new WeakMap();

  constructor(private readonly text: string) {
    // The lines that hold content (not blank, not a comment), each with its start and indentation.
    let start = 0;
    while (start < text.length) {
      let end = text.indexOf('\n', start);
      if (end < 0) end = text.length;
      let indent = start;
      while (indent < end && text.charCodeAt(indent) === 32) indent++;
      if (indent < end && text.charCodeAt(indent) !== 35) {
        this.starts.push(start);
        this.indents.push(indent - start);
      }
      start = end + 1;
    }
  }

  parse(): FastYaml {
    if (this.starts.length === 0) decline();
    if (this.content(0) === '---' || /^--- +#/.test(this.rawLine(0))) this.line = 1;
    if (this.line >= this.starts.length || this.indents[this.line] !== 0) decline();
    const root = this.starts[this.line]!;
    const value = this.block(0);
    if (this.line < this.starts.length) decline();
    return {value, root, spots: this.spots};
  }

  private rawLine(i: number): string {
    const start = this.starts[i]! + this.indents[i]!;
    const end = this.text.indexOf('\n', start);
    return this.text.slice(start, end < 0 ? this.text.length : end);
  }

  /** A content line without its indentation and trailing spaces. */
  private content(i: number): string {
    return this.rawLine(i).trimEnd();
  }

  private isItem(i: number): boolean {
    const c = this.text.charCodeAt(this.starts[i]! + this.indents[i]!);
    const next = this.text.charCodeAt(this.starts[i]! + this.indents[i]! + 1);
    return c === 45 && (Number.isNaN(next) || next === 32 || next === 10);
  }

  /** The node whose first line is the current one, at indentation `indent`. */
  private block(indent: number): unknown {
    const first = this.content(this.line);
    if (first.startsWith('---') || first.startsWith('...')) decline();
    return this.isItem(this.line) ? this.sequence(indent) : this.mapping(indent);
  }

  /** After a value that ends on its own line: the next line may not be deeper (a continuation or an error). */
  private endOfValue(indent: number): void {
    if (this.line < this.starts.length && this.indents[this.line]! > indent) decline();
  }

  private sequence(indent: number): unknown[] {
    const items: unknown[] = [];
    const spots: number[] = [];
    this.spots.set(items, spots);
    while (this.line < this.starts.length && this.indents[this.line] === indent && this.isItem(this.line)) {
      const dash = this.starts[this.line]! + indent;
      let at = dash + 1;
      while (this.text.charCodeAt(at) === 32) at++;
      const rest = this.lineFrom(at);
      if (rest === '' || rest.startsWith('#')) {
        this.line++;
        if (this.line < this.starts.length && this.indents[this.line]! > indent) {
          spots.push(this.starts[this.line]! + this.indents[this.line]!);
          items.push(this.block(this.indents[this.line]!));
        } else {
          decline(); // an empty item: its position is the library's to give
        }
      } else if (this.isItemText(rest)) {
        decline();
      } else if (keyEnd(rest) !== undefined) {
        // A mapping that starts on the item's line: its keys sit at the column of the first one.
        const column = at - this.starts[this.line]!;
        this.indents[this.line] = column;
        spots.push(at);
        items.push(this.mapping(column));
      } else {
        spots.push(at);
        items.push(this.inline(at, rest));
        this.line++;
        this.endOfValue(indent);
      }
    }
    this.endOfValue(indent);
    return items;
  }

  private isItemText(text: string): boolean {
    return text === '-' || text.startsWith('- ');
  }

  /** The rest of the current line from `at`, without trailing spaces. */
  private lineFrom(at: number): string {
    const end = this.text.indexOf('\n', at);
    return this.text.slice(at, end < 0 ? this.text.length : end).trimEnd();
  }

  private mapping(indent: number): Record<string, unknown> {
    const map: Record<string, unknown> = {};
    const spots: number[] = [];
    this.spots.set(map, spots);
    while (this.line < this.starts.length && this.indents[this.line] === indent && !this.isItem(this.line)) {
      const keyAt = this.starts[this.line]! + indent;
      const rest = this.lineFrom(keyAt);
      const colon = keyEnd(rest);
      if (colon === undefined) decline();
      const key = keyText(rest.slice(0, colon));
      if (Object.hasOwn(map, key) || key === '__proto__' || INDEX_KEY.test(key)) decline();
      let valueAt = keyAt + colon! + 1;
      while (this.text.charCodeAt(valueAt) === 32) valueAt++;
      const inlineText = this.lineFrom(valueAt);
      spots.push(keyAt);
      if (inlineText === '' || inlineText.startsWith('#')) {
        if (inlineText !== '') decline(); // the position of a null before a comment is the library's to give
        this.line++;
        const next = this.line < this.starts.length ? this.indents[this.line]! : -1;
        if (next > indent) {
          spots.push(this.starts[this.line]! + next);
          map[key] = this.block(next);
        } else if (next === indent && this.isItem(this.line)) {
          // A sequence may sit at its key's indentation.
          spots.push(this.starts[this.line]! + next);
          map[key] = this.sequence(indent);
        } else {
          spots.push(keyAt + colon! + 1);
          map[key] = null;
        }
      } else {
        spots.push(valueAt);
        map[key] = this.inline(valueAt, inlineText);
        this.line++;
        this.endOfValue(indent);
      }
    }
    this.endOfValue(indent);
    return map;
  }

  /** A value on one line: a flow collection or a scalar, then nothing but a comment. */
  private inline(at: number, text: string): unknown {
    const reader = new FlowReader(text, at, this.spots);
    const value = reader.value(false);
    reader.end();
    return value;
  }
}

/** Where a block mapping key ends (the index of its ':'), or undefined when the text is not `key: ...`. */
function keyEnd(text: string): number | undefined {
  const c = text.charCodeAt(0);
  if (c === 34 || c === 39) {
    const close = quotedEnd(text, 0);
    if (close === undefined) return undefined;
    let i = close + 1;
    while (text.charCodeAt(i) === 32) i++;
    return text.charCodeAt(i) === 58 && (i + 1 === text.length || text.charCodeAt(i + 1) === 32) ? i : undefined;
  }
  if (INDICATOR.test(text)) return undefined;
  const hash = text.indexOf(' #');
  const colon = text.indexOf(': ');
  if (colon >= 0 && (hash < 0 || colon < hash)) return colon;
  const plain = hash >= 0 ? text.slice(0, hash).trimEnd() : text;
  return plain.endsWith(':') ? plain.length - 1 : undefined;
}

/** A key's text: quoted, or a plain scalar that resolves to a string (other keys are left to the library). */
function keyText(raw: string): string {
  const text = raw.trimEnd();
  const c = text.charCodeAt(0);
  if (c === 34 || c === 39) {
    if (quotedEnd(text, 0) !== text.length - 1) decline();
    return quotedValue(text);
  }
  if (text === '' || text.includes(' #') || text.includes(': ')) decline();
  const value = plainValue(text);
  if (typeof value !== 'string') decline();
  return text;
}

/** The index of the quote that closes the quoted scalar opening at `from`, or undefined (it goes on past the line). */
function quotedEnd(text: string, from: number): number | undefined {
  const quote = text.charCodeAt(from);
  for (let i = from + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (quote === 34 && c === 92) i++;
    else if (c === quote) {
      if (quote === 39 && text.charCodeAt(i + 1) === 39) i++;
      else return i;
    }
  }
  return undefined;
}

/** The value of a one-line quoted scalar (with its quotes). */
function quotedValue(text: string): string {
  const body = text.slice(1, -1);
  if (text[0] === "'") return body.replaceAll("''", "'");
  if (!body.includes('\\')) return body;
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = body[++i]!;
    const hex = HEX_LENGTH[e];
    if (hex !== undefined) {
      const digits = body.slice(i + 1, i + 1 + hex);
      if (!/^[0-9a-fA-F]+$/.test(digits) || digits.length !== hex) decline();
      const code = parseInt(digits, 16);
      if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) decline();
      out += String.fromCodePoint(code);
      i += hex;
    } else if (Object.hasOwn(ESCAPES, e)) {
      out += ESCAPES[e];
    } else {
      decline();
    }
  }
  return out;
}

/** One line of flow content: [a, b], {k: v}, nested, and scalars. */
class FlowReader {
  private i = 0;

  constructor(
    private readonly text: string,
    private readonly base: number,
    private readonly spots: Spots,
  ) {}

  private spaces(): void {
    while (this.text.charCodeAt(this.i) === 32) this.i++;
  }

  end(): void {
    this.spaces();
    if (this.i < this.text.length && this.text[this.i] !== '#') decline();
    if (this.i < this.text.length && this.text[this.i - 1] !== ' ') decline();
  }

  value(inFlow: boolean): unknown {
    const c = this.text[this.i];
    if (c === '[') return this.sequence();
    if (c === '{') return this.mapping();
    if (c === '"' || c === "'") {
      const close = quotedEnd(this.text, this.i);
      if (close === undefined) decline();
      const value = quotedValue(this.text.slice(this.i, close! + 1));
      this.i = close! + 1;
      return value;
    }
    return plainValue(this.plain(inFlow));
  }

  /** A plain scalar: to the end of the line (or a comment), in a flow collection also to , ] } or ': '. */
  private plain(inFlow: boolean): string {
    const start = this.i;
    const rest = this.text.slice(start);
    if (rest === '' || INDICATOR.test(rest)) {
      // '-', '?' or ':' begin a plain scalar when a non-space follows ("-5", "-x").
      if (!/^[-?:][^\s,[\]{}]/.test(rest)) decline();
    }
    let end = start;
    for (; end < this.text.length; end++) {
      const ch = this.text[end]!;
      if (ch === '#' && this.text[end - 1] === ' ') break;
      if (
        ch === ':' &&
        (end + 1 === this.text.length || this.text[end + 1] === ' ' || (inFlow && /[,\]}]/.test(this.text[end + 1]!)))
      ) {
        if (!inFlow) decline(); // "a: b" in a value is a nested mapping: the library's to report
        break;
      }
      if (inFlow && (ch === ',' || ch === ']' || ch === '}' || ch === '[' || ch === '{')) break;
    }
    const text = this.text.slice(start, end).trimEnd();
    if (text === '') decline();
    this.i = start + text.length;
    return text;
  }

  private sequence(): unknown[] {
    const items: unknown[] = [];
    const spots: number[] = [];
    this.spots.set(items, spots);
    this.i++;
    this.spaces();
    if (this.text[this.i] === ']') {
      this.i++;
      return items;
    }
    for (;;) {
      this.spaces();
      spots.push(this.base + this.i);
      items.push(this.value(true));
      this.spaces();
      const c = this.text[this.i++];
      if (c === ']') return items;
      if (c !== ',') decline();
      this.spaces();
      if (this.text[this.i] === ']') decline(); // a trailing comma
    }
  }

  private mapping(): Record<string, unknown> {
    const map: Record<string, unknown> = {};
    const spots: number[] = [];
    this.spots.set(map, spots);
    this.i++;
    this.spaces();
    if (this.text[this.i] === '}') {
      this.i++;
      return map;
    }
    for (;;) {
      this.spaces();
      const keyAt = this.i;
      const c = this.text[keyAt];
      if (c === '[' || c === '{') decline(); // `key: {{ var }}` and other complex keys
      const key = this.value(true);
      if (typeof key !== 'string' || Object.hasOwn(map, key) || key === '__proto__' || INDEX_KEY.test(key)) decline();
      if (this.text[this.i] !== ':' || this.text[this.i + 1] !== ' ') decline();
      this.i += 1;
      this.spaces();
      spots.push(this.base + keyAt, this.base + this.i);
      (map as Record<string, unknown>)[key as string] = this.value(true);
      this.spaces();
      const end = this.text[this.i++];
      if (end === '}') return map;
      if (end !== ',') decline();
      this.spaces();
      if (this.text[this.i] === '}') decline();
    }
  }
}

/** The value and node offsets of `text`, or undefined when the yaml library must parse it. */
export function parseFastYaml(text: string): FastYaml | undefined {
  if (AWKWARD.test(text) || text.includes('\n---') || text.includes('\n...')) return undefined;
  try {
    return new Parser(text).parse();
  } catch (error) {
    if (error instanceof Decline) return undefined;
    // A stack overflow on absurd nesting: the library decides.
    if (error instanceof RangeError) return undefined;
    throw error;
  }
}
