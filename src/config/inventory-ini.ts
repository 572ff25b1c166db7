/**
 * Ansible's INI inventory: host lines (`name key=value …`, ranges, `name:port`), `[group]`, `[group:vars]`,
 * `[group:children]`; `#` and `;` comments. Values are typed like Ansible's: 22 → number, true/True → boolean,
 * JSON lists/objects parsed, quoted values stay strings.
 */
import {PxeError, PxeErrors} from '../errors.js';
import {checkConnectionVars} from './connection-checks.js';
import {expandHostRange} from './host-range.js';
import {addHost, rawGroup, type RawInventory} from './inventory-raw.js';
import type {SourcePos, Vars} from './model.js';

interface Token {
  text: string;
  quoted: boolean;
  col: number;
}

/** Split like Python's shlex: whitespace-separated, quotes group, `#` starts a comment (with `comments`). */
export function splitIniLine(line: string, comments = true): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && /\s/.test(line[i]!)) i++;
    if (i >= line.length || (comments && line[i] === '#')) break;
    const col = i + 1;
    let text = '';
    let quoted = false;
    while (i < line.length && !/\s/.test(line[i]!)) {
      const c = line[i]!;
      if (c === '"' || c === "'") {
        const close = line.indexOf(c, i + 1);
        if (close < 0) throw new Error(`unclosed ${c} quote`);
        text += c === '"' ? line.slice(i + 1, close).replace(/\\(.)/g, '$1') : line.slice(i + 1, close);
        quoted = true;
        i = close + 1;
      } else {
        text += c;
        i++;
      }
    }
    tokens.push({text, quoted, col});
  }
  return tokens;
}

/** A value as Ansible's INI plugin types it. */
export function iniValue(text: string, quoted = false): unknown {
  if (quoted) return text;
  const q = /^(["'])(.*)\1$/s.exec(text);
  if (q) return q[2];
  if (/^-?\d+$/.test(text)) return Number(text);
  if (/^-?\d+\.\d+$/.test(text)) return Number(text);
  if (/^(true|True)$/.test(text)) return true;
  if (/^(false|False)$/.test(text)) return false;
  if (/^[[{]/.test(text)) {
    try {
      return JSON.parse(text);
    } catch {
      // As Ansible: a value that only looks like JSON stays the string it is.
      return text;
    }
  }
  return text;
}

type Section = {group: string; kind: 'hosts' | 'vars' | 'children'};

export function readIniInventory(text: string, file: string, raw: RawInventory): void {
  const errors: PxeError[] = [];
  const groupVars: Array<{group: string; key: string; value: unknown; where: SourcePos}> = [];
  let section: Section & {where?: SourcePos} = {group: 'ungrouped', kind: 'hosts'};
  text.split(/\r?\n/).forEach((line, index) => {
    const where = (col = 1): SourcePos => ({file, line: index + 1, col});
    const fail = (message: string, col: number, expected: string, hint?: string) =>
      errors.push(new PxeError('E_INI_SYNTAX', message, {where: where(col), expected, hint}));
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#') || trimmed.startsWith(';')) return;
    const col = line.length - line.trimStart().length + 1;
    if (trimmed.startsWith('[')) {
      const m = /^\[([^\]:\s]+)(?::(\w+))?\]\s*(?:[#;].*)?$/.exec(trimmed);
      if (!m)
        return fail(
          `bad section header '${trimmed}'`,
          col,
          '[group], [group:vars] or [group:children]',
          'a group name has no spaces or brackets',
        );
      const kind = (m[2] ?? 'hosts') as Section['kind'];
      if (!['hosts', 'vars', 'children'].includes(kind))
        return fail(
          `unknown section kind ':${m[2]}'`,
          col,
          ':vars or :children',
          `did you mean [${m[1]}:vars] or [${m[1]}:children]?`,
        );
      section = {group: m[1]!, kind, where: where(col)};
      if (kind !== 'vars') rawGroup(raw, m[1]!, where(col));
      return;
    }
    let tokens: Token[];
    try {
      tokens = splitIniLine(line);
    } catch (e) {
      return fail((e as Error).message, col, 'balanced quotes', 'close the quote or escape it');
    }
    if (tokens.length === 0) return;
    if (section.kind === 'vars') {
      const eq = trimmed.indexOf('=');
      if (eq <= 0) return fail(`expected key=value in [${section.group}:vars], got '${trimmed}'`, col, 'key=value');
      const key = trimmed.slice(0, eq).trim();
      const value = iniValue(trimmed.slice(eq + 1).trim());
      checkConnectionVars(
        {[key]: value},
        {label: `group '${section.group}'`, at: () => where(col)},
        errors,
        raw.warnings,
      );
      groupVars.push({group: section.group, key, value, where: section.where!});
      return;
    }
    if (section.kind === 'children') {
      if (tokens.length > 1)
        return fail(`expected one group name per line in [${section.group}:children]`, tokens[1]!.col, 'a group name');
      rawGroup(raw, section.group).children.set(tokens[0]!.text, where(col));
      rawGroup(raw, tokens[0]!.text, where(col));
      return;
    }
    const [first, ...rest] = tokens as [Token, ...Token[]];
    if (first.text.includes('='))
      return fail(
        `expected a host name before '${first.text}'`,
        first.col,
        'host [key=value …]',
        'variables for a whole group go under [group:vars]',
      );
    const vars: Vars = {};
    const cols: Record<string, number> = {};
    for (const t of rest) {
      const eq = t.text.indexOf('=');
      if (eq <= 0)
        return fail(
          `expected key=value after the host name, got '${t.text}'`,
          t.col,
          'host [key=value …]',
          "quote a value that holds spaces: key='a b'",
        );
      vars[t.text.slice(0, eq)] = iniValue(t.text.slice(eq + 1), t.quoted);
      cols[t.text.slice(0, eq)] = t.col;
    }
    let name = first.text;
    const port = /^([^:[\]]+|\[[^\]]+\]):(\d+)$/.exec(name);
    if (port) {
      name = port[1]!;
      vars.ansible_port ??= Number(port[2]);
    }
    checkConnectionVars(
      vars,
      {label: `host '${name}'`, host: name, at: (key) => where(cols[key] ?? first.col)},
      errors,
      raw.warnings,
    );
    try {
      for (const host of expandHostRange(name, where(first.col)))
        addHost(raw, section.group, host, vars, where(first.col));
    } catch (e) {
      errors.push(e as PxeError);
    }
  });
  // [g:vars] may come before [g], but g must exist somewhere (as in Ansible).
  for (const {group, key, value, where} of groupVars) {
    const known = raw.groups.get(group);
    if (known) known.vars[key] = value;
    else if (!errors.some((e) => e.message.startsWith(`[${group}:vars]`))) {
      errors.push(
        new PxeError('E_INI_SYNTAX', `[${group}:vars] names a group that is defined nowhere`, {
          where,
          expected: `a [${group}] section or ${group} under some [group:children]`,
        }),
      );
    }
  }
  if (errors.length) throw new PxeErrors(errors);
}
