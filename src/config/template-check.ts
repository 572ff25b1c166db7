/**
 * Template syntax at `validate`, parsed and never rendered: task arguments, variables and template files. An
 * unclosed `{{`, `{%` or `{#` is reported where it opens (nunjucks only notices at the end of the text).
 */
import {existsSync, readFileSync} from 'node:fs';
import {PxeError, type Where} from '../errors.js';
import {cacheKey, cacheRead, cacheWrite} from './cache.js';
import {checkTemplateSyntax, hasTemplate} from './template.js';

const CLOSERS: Record<string, string> = {'{{': '}}', '{%': '%}', '{#': '#}'};

/** The first `{{`, `{%` or `{#` that is never closed: its line and column (1-based) and the opener. */
export function unclosedDelimiter(text: string): {line: number; col: number; open: string} | undefined {
  let at = 0;
  for (;;) {
    const open = /\{[{%#]/.exec(text.slice(at));
    if (!open) return undefined;
    const start = at + open.index;
    const close = text.indexOf(CLOSERS[open[0]]!, start + 2);
    if (close < 0) {
      const before = text.slice(0, start).split('\n');
      return {line: before.length, col: before.at(-1)!.length + 1, open: open[0]};
    }
    at = close + 2;
  }
}

/**
 * The syntax error of a template text, or undefined. `where` is where the text starts (a template file: line 1);
 * an unclosed delimiter moves the error to its line.
 */
export function templateSyntaxError(text: string, where: Where): PxeError | undefined {
  const error = checkTemplateSyntax(text, where);
  if (!error) return undefined;
  const unclosed = unclosedDelimiter(text);
  if (!unclosed) return error;
  const inFile = where.line === undefined;
  return new PxeError(
    'E_TEMPLATE',
    `template error: '${unclosed.open}' opened here is never closed with '${CLOSERS[unclosed.open]}'`,
    {
      where: inFile ? {...error.where, line: unclosed.line, col: unclosed.col} : error.where,
      expected: error.expected,
      hint: error.hint ?? `close it, or write a literal ${unclosed.open} as {{ '${unclosed.open}' }}`,
    },
  );
}

/** A string with template syntax from the inputs, and where to look for it. */
export interface TemplateString {
  text: string;
  /** Files that may hold it (the first holding its unclosed part gives the line; listed on an error only), and the line to search from. */
  files: () => string[];
  from: number;
  where: Where;
  /** What it is the value of ("variable 'motd'"). */
  label?: string;
}

/** Every string with template syntax inside `value` (task arguments, a variable's value). */
export function templateStrings(value: unknown, context: Omit<TemplateString, 'text'>): TemplateString[] {
  const found: TemplateString[] = [];
  const walk = (v: unknown) => {
    if (typeof v === 'string') {
      if (hasTemplate(v)) found.push({...context, text: v});
    } else if (Array.isArray(v)) {
      v.forEach(walk);
    } else if (v && typeof v === 'object') {
      Object.values(v).forEach(walk);
    }
  };
  walk(value);
  return found;
}

/**
 * Parse every string; one cache entry for all of them, so an unchanged set of inputs does not even load nunjucks.
 * Each error is reported once.
 */
export function checkTemplateStrings(strings: TemplateString[]): PxeError[] {
  const key = cacheKey('template-strings', [...new Set(strings.map((s) => s.text))].sort());
  if (cacheRead('templates', key) !== undefined) return [];
  const errors = new Map<string, PxeError>();
  for (const s of strings) {
    const unclosed = unclosedDelimiter(s.text);
    const error = templateSyntaxError(s.text, {...s.where, line: s.from});
    if (!error) continue;
    const files = s.files();
    // The text from the unclosed opener on, else its first line with template syntax, as written in the file.
    const lines = s.text.split('\n');
    const snippet = unclosed
      ? lines[unclosed.line - 1]!.slice(unclosed.col - 1)
      : (lines.find((l) => /\{[{%#]/.test(l)) ?? s.text);
    const where = lineIn(files, snippet, s.from);
    const message = s.label ? `${error.message} (in ${s.label})` : error.message;
    errors.set(
      `${message}\0${where.file}:${where.line}`,
      new PxeError(error.code, message, {where: {...s.where, ...where}, expected: error.expected, hint: error.hint}),
    );
  }
  if (errors.size === 0) cacheWrite('templates', key, 'ok');
  return [...errors.values()];
}

/** The first of `files` with a line (from `from` on in the first file) that holds `snippet`. */
function lineIn(files: string[], snippet: string, from: number): {file?: string; line: number} {
  const needle = snippet.trim();
  for (const [index, file] of files.entries()) {
    if (!existsSync(file)) continue;
    const lines = readFileSync(file, 'utf8').split('\n');
    for (let i = index === 0 ? Math.max(0, from - 1) : 0; i < lines.length; i++)
      if (lines[i]!.includes(needle)) return {file, line: i + 1};
  }
  return {file: files[0], line: from};
}
