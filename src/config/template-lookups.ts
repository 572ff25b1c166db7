/**
 * Ansible's lookup plugins that make sense on the control machine: env, file, template, pipe, lines,
 * fileglob, first_found and password. Relative paths are searched as Ansible searches them: the role's
 * files/ (templates/ for template), the role, the playbook's files/ (templates/), the playbook's directory.
 */
import {execFileSync} from 'node:child_process';
import {randomInt} from 'node:crypto';
import {existsSync, mkdirSync, readdirSync, statSync, writeFileSync} from 'node:fs';
import {basename, dirname, isAbsolute, join, resolve} from 'node:path';
import {splitLines} from '../resources/lines.js';
import {globRegExp} from './fnmatch.js';
import {addProducedSecret} from './redact.js';
import {readText} from './text-file.js';

/** What the template being rendered knows: where its role and playbook are, and how to render a file. */
export interface LookupContext {
  roleDir?: string;
  playbookDir: string;
  renderFile(path: string): string;
}

const LOOKUP_PLUGINS = ['env', 'file', 'template', 'pipe', 'lines', 'fileglob', 'first_found', 'password'] as const;

/** Python's string module, as the password lookup's chars= names it. */
const CHARSETS: Record<string, string> = {
  ascii_letters: 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ',
  ascii_lowercase: 'abcdefghijklmnopqrstuvwxyz',
  ascii_uppercase: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
  digits: '0123456789',
  hexdigits: '0123456789abcdefABCDEF',
  octdigits: '01234567',
  punctuation: '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~',
};
const DEFAULT_CHARS = ['ascii_letters', 'digits', '.,:-_'];

const home = (path: string) => path.replace(/^~(?=\/|$)/, process.env.HOME ?? '~');

function searchDirs(ctx: LookupContext, kind: 'files' | 'templates'): string[] {
  const dirs = ctx.roleDir ? [join(ctx.roleDir, kind), ctx.roleDir] : [];
  return [...dirs, join(ctx.playbookDir, kind), ctx.playbookDir];
}

/** The first place a relative path exists, or undefined. */
function findIn(ctx: LookupContext, kind: 'files' | 'templates', name: string): string | undefined {
  const path = home(name);
  if (isAbsolute(path)) return existsSync(path) ? path : undefined;
  return searchDirs(ctx, kind)
    .map((dir) => join(dir, path))
    .find((candidate) => existsSync(candidate));
}

function mustFind(ctx: LookupContext, kind: 'files' | 'templates', name: string, plugin: string): string {
  const found = findIn(ctx, kind, name);
  if (!found)
    throw new Error(
      `lookup('${plugin}'): ${name} not found (searched ${isAbsolute(home(name)) ? home(name) : searchDirs(ctx, kind).join(', ')})`,
    );
  return found;
}

function shell(ctx: LookupContext, command: string, plugin: string): string {
  try {
    return execFileSync('/bin/sh', ['-c', command], {
      cwd: ctx.playbookDir,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    const e = error as {status?: number; stderr?: string};
    throw new Error(
      `lookup('${plugin}', ${JSON.stringify(command)}) exited ${e.status ?? '?'}${e.stderr ? `: ${e.stderr.trim()}` : ''}`,
      {cause: error},
    );
  }
}

/** `path key=value …` (the password lookup's old style) → the path and its options. */
function termOptions(term: string): [string, Record<string, string>] {
  const [path = '', ...rest] = term.trim().split(/\s+/);
  return [path, Object.fromEntries(rest.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]))];
}

/** The password lookup: the file's password, or a new random one written there (mode 0600) first; a secret in any output. */
function password(ctx: LookupContext, term: string, kw: Record<string, unknown>): string {
  const value = passwordValue(ctx, term, kw);
  addProducedSecret(value);
  return value;
}

function passwordValue(ctx: LookupContext, term: string, kw: Record<string, unknown>): string {
  const [name, inline] = termOptions(term);
  const options = {...inline, ...kw} as Record<string, unknown>;
  const unknown = Object.keys(options).filter((k) => k !== 'length' && k !== 'chars');
  if (unknown.length)
    throw new Error(`lookup('password'): option ${unknown.join(', ')} is not supported (supported: length, chars)`);
  const path = resolve(ctx.playbookDir, home(name));
  if (path !== '/dev/null' && existsSync(path))
    return readText(path, "lookup('password') file", 'E_TEMPLATE')
      .split('\n')[0]!
      .replace(/ salt=.*$/, '');
  const length = Number(options.length ?? 20);
  if (!Number.isInteger(length) || length < 1)
    throw new Error(`lookup('password'): length must be a positive integer, not ${String(options.length)}`);
  const names = Array.isArray(options.chars)
    ? options.chars.map(String)
    : options.chars !== undefined
      ? String(options.chars).split(',')
      : DEFAULT_CHARS;
  const alphabet = [...new Set(names.map((n) => CHARSETS[n] ?? n).join(''))].join('');
  const value = Array.from({length}, () => alphabet[randomInt(alphabet.length)]).join('');
  if (path !== '/dev/null') {
    mkdirSync(dirname(path), {recursive: true});
    writeFileSync(path, `${value}\n`, {mode: 0o600, flag: 'wx'});
  }
  return value;
}

/** first_found's terms: names, lists of names, or {files, paths, skip}. */
function firstFound(ctx: LookupContext, terms: unknown[], kw: Record<string, unknown>): string[] {
  const specs = [...terms.flat(), ...(kw.files ? [kw] : [])];
  let skip = kw.skip === true;
  const candidates: string[] = [];
  for (const spec of specs) {
    if (spec && typeof spec === 'object') {
      const {
        files = [],
        paths = [],
        skip: specSkip,
      } = spec as {files?: string | string[]; paths?: string | string[]; skip?: boolean};
      skip ||= specSkip === true;
      const fileList = (Array.isArray(files) ? files : String(files).split(/[,;]/)).map(String);
      const pathList = (Array.isArray(paths) ? paths : String(paths).split(/[,:;]/)).map(String).filter(Boolean);
      candidates.push(...(pathList.length ? pathList.flatMap((p) => fileList.map((f) => join(p, f))) : fileList));
    } else candidates.push(String(spec));
  }
  for (const candidate of candidates) {
    const found = findIn(ctx, 'files', candidate);
    if (found) return [found];
  }
  if (skip) return [];
  throw new Error(
    `lookup('first_found'): none of ${candidates.join(', ')} was found (searched ${searchDirs(ctx, 'files').join(', ')})`,
  );
}

function fileglob(ctx: LookupContext, pattern: string): string[] {
  const full = home(pattern);
  const bases = isAbsolute(full) ? [dirname(full)] : searchDirs(ctx, 'files').map((dir) => join(dir, dirname(full)));
  const match = globRegExp(basename(full));
  for (const base of bases.filter((b) => existsSync(b) && statSync(b).isDirectory())) {
    const files = readdirSync(base)
      .filter((name) => match.test(name) && statSync(join(base, name)).isFile())
      .sort()
      .map((name) => join(base, name));
    if (files.length) return files;
  }
  return [];
}

/** The values of lookup(plugin, terms…, options): lookup() joins them with ',', query() returns them. */
export function lookupValues(
  ctx: LookupContext,
  plugin: string,
  terms: unknown[],
  kw: Record<string, unknown>,
): unknown[] {
  switch (plugin) {
    case 'env':
      return terms.map((t) => process.env[String(t)] ?? kw.default ?? '');
    case 'file':
      return terms.map((t) =>
        readText(mustFind(ctx, 'files', String(t), plugin), "lookup('file') file", 'E_TEMPLATE').trimEnd(),
      );
    case 'template':
      return terms.map((t) => ctx.renderFile(mustFind(ctx, 'templates', String(t), plugin)));
    case 'pipe':
      return terms.map((t) => shell(ctx, String(t), plugin).trimEnd());
    case 'lines':
      return terms.flatMap((t) => splitLines(shell(ctx, String(t), plugin)));
    case 'fileglob':
      return terms.flatMap((t) => fileglob(ctx, String(t)));
    case 'first_found':
      return firstFound(ctx, terms, kw);
    case 'password':
      return terms.map((t) => password(ctx, String(t), kw));
    default:
      throw new Error(`lookup('${plugin}') is not supported (supported: ${LOOKUP_PLUGINS.join(', ')})`);
  }
}
