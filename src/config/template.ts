/**
 * Templates: nunjucks configured like Ansible's Jinja2. Undefined variables are errors that name the
 * variable and where the template is; variables whose values are templates resolve lazily (only when used,
 * like Ansible's); a string that is exactly one `{{ expr }}` renders to the expression's native value.
 */
import {createHash} from 'node:crypto';
import {statSync} from 'node:fs';
import {decryptIfVault} from '../vault/keyring.js';
import {createRequire} from 'node:module';
import {basename, dirname, isAbsolute, join, relative} from 'node:path';
import type nunjucks from 'nunjucks';
import {PxeError, type Where} from '../errors.js';
import type {SourcePos, Vars} from './model.js';
import {isLazy} from './lazy.js';
import {installFilters, pyStr, splitKwargs} from './template-filters.js';
import {lookupValues, type LookupContext} from './template-lookups.js';
import {installJinjaSemantics, jinjaTruthy} from './jinja-semantics.js';
import {readText} from './text-file.js';
import {cacheEnabled, cacheKey, cacheRead, cacheWrite} from './cache.js';
import {trackedSecrets} from './redact.js';

interface Frame {
  variables: Record<string, unknown>;
  parent?: Frame;
}
/** The parts of nunjucks its typings leave out (stable since 3.0). */
interface Internals {
  runtime: {
    Frame: new () => Frame;
    suppressValue(value: unknown, autoescape: boolean): string;
    ensureDefined(value: unknown, line: number, col: number): unknown;
    contextOrFrameLookup(context: unknown, frame: Frame, name: string): unknown;
  };
  parser: {parse(src: string): AstNode};
}
interface AstNode {
  typename: string;
  fields: string[];
  value?: unknown;
  lineno: number;
  [field: string]: unknown;
}
type Render = {render(ctx: object, frame: Frame): string};
type RootRender = (this: unknown, ...args: unknown[]) => unknown;
interface CompiledTemplate {
  path?: string;
  tmplStr: string;
  /** Compiled code to use instead of compiling (nunjucks' precompiled templates). */
  tmplProps?: unknown;
  env: {asyncFilters: string[]; extensionsList: unknown[]; opts: object};
  rootRenderFunc: RootRender;
  blocks: Record<string, unknown>;
  compiled: boolean;
  _compile(): void;
}

const require = createRequire(import.meta.url);
/** nunjucks loads on the first render: loading a playbook with no templates to expand does not need it. */
let njLib: (Internals & typeof nunjucks) | undefined;
const nj = (): Internals & typeof nunjucks => (njLib ??= require('nunjucks') as Internals & typeof nunjucks);
const TEMPLATE = /\{\{|\{%/;
const SINGLE_EXPRESSION = /^\{\{-?\s*([\s\S]*?)\s*-?\}\}$/;
/** Names nunjucks looks up through the frame before its globals or Jinja constants. */
const NOT_VARIABLES = new Set(['True', 'False', 'None', 'loop', 'caller', 'varargs', 'kwargs']);

let env: nunjucks.Environment | undefined;
const compiled = new Map<string, Render>();
/** The value of the expression being evaluated, set by the `__capture` filter (rendering is synchronous). */
let captured: unknown;

/** The template files being rendered, outermost first. */
const rendering: CompiledTemplate[] = [];
const MAX_ERROR_TEXT = 2000;

/**
 * Every include, import, extends and lookup('template') runs the template's root function, which ends by
 * calling its callback (nunjucks continues the including template inside that callback, so a template is
 * done when it calls back, not when it returns). A file entered while it is still being rendered is a
 * cycle, reported once with its chain instead of recursing until the stack overflows.
 */
function guardCycles(): void {
  const proto = nj().Template.prototype as unknown as CompiledTemplate;
  const compile = proto._compile;
  proto._compile = function (this: CompiledTemplate) {
    compileOnce(this, compile);
    const root = this.rootRenderFunc;
    if (!this.path) return;
    this.rootRenderFunc = (...args) => {
      if (rendering.some((t) => t.path === this.path)) throw includeCycle(this.path!);
      rendering.push(this);
      const done = () => {
        const at = rendering.lastIndexOf(this);
        if (at >= 0) rendering.splice(at, 1);
      };
      const callback = args.at(-1) as (...results: unknown[]) => unknown;
      try {
        return root(...args.slice(0, -1), (...results: unknown[]) => {
          done();
          return callback(...results);
        });
      } finally {
        done();
      }
    };
  };
}

/**
 * The compiled code of each template file, by path and text. The loader hands nunjucks a new Template for
 * every include and import (a file may change between renders), and nunjucks would compile each again: a
 * template that imports a macro file, rendered once per loop item, spent most of its time there.
 */
const compiledCode = new Map<string, {root: RootRender; blocks: Record<string, unknown>}>();

function compileOnce(template: CompiledTemplate, compile: () => void): void {
  const key = template.path ? `${template.path}\0${template.tmplStr}` : undefined;
  const known = key === undefined ? undefined : compiledCode.get(key);
  if (known) {
    template.rootRenderFunc = known.root;
    template.blocks = known.blocks;
    template.compiled = true;
    return;
  }
  template.tmplProps ??= new Function(compiledSource(template))();
  compile.call(template);
  if (key !== undefined) compiledCode.set(key, {root: template.rootRenderFunc, blocks: template.blocks});
}

/**
 * The compiled code of templates and expressions, kept from one run to the next in the parse cache: a
 * no-change run otherwise spends much of its time compiling the same templates again. Code whose template
 * text holds a secret (a vault-encrypted template, a decrypted value) is never stored.
 */
interface StoredCode {
  key: string;
  stored: Map<string, string>;
  used: Map<string, string>;
  added: boolean;
}
let storedCode: StoredCode | undefined;
const MAX_STORED_CODE = 4000;

function compiledSource(template: CompiledTemplate): string {
  const {env} = template;
  if (!storedCode) {
    const key = cacheKey(
      'nunjucks-code',
      require('nunjucks/package.json').version,
      env.asyncFilters,
      JSON.stringify(env.opts),
    );
    const text = cacheEnabled() ? cacheRead('template-code', key) : undefined;
    let stored = new Map<string, string>();
    try {
      if (text !== undefined) stored = new Map(Object.entries(JSON.parse(text) as Record<string, string>));
    } catch {
      // A damaged entry: compiled again and rewritten.
    }
    storedCode = {key, stored, used: new Map(), added: false};
    if (cacheEnabled()) process.once('exit', storeCode);
  }
  const id = createHash('sha256')
    .update(`${template.path ?? ''}\0${template.tmplStr}`)
    .digest('hex');
  const secret = trackedSecrets().some((value) => template.tmplStr.includes(value));
  let source = storedCode.stored.get(id);
  if (source === undefined || secret) {
    source ??= (require('nunjucks/src/compiler') as {compile(...args: unknown[]): string}).compile(
      template.tmplStr,
      env.asyncFilters,
      env.extensionsList,
      template.path,
      env.opts,
    );
    // A text that became a secret since it was stored is dropped from the store.
    storedCode.added ||= !secret || storedCode.stored.delete(id);
    if (secret) return source;
  }
  storedCode.used.set(id, source);
  return source;
}

function storeCode(): void {
  if (!storedCode?.added) return;
  const {stored, used, key} = storedCode;
  const all = stored.size + used.size > MAX_STORED_CODE ? used : new Map([...stored, ...used]);
  cacheWrite('template-code', key, JSON.stringify(Object.fromEntries(all)));
}

function includeCycle(path: string): PxeError {
  const chain = rendering.slice(rendering.findIndex((t) => t.path === path));
  const base = dirname(chain[0]!.path!);
  const lineNaming = (t: CompiledTemplate, target: string) => {
    const i = t.tmplStr
      .split('\n')
      .findIndex((line) => line.includes(basename(target)) && /\{%|lookup\(|query\(/.test(line));
    return i < 0 ? undefined : i + 1;
  };
  const steps = chain.map((t, i) => {
    const target = chain[i + 1]?.path ?? path;
    const line = lineNaming(t, target);
    return `${relative(base, t.path!)}${line ? `:${line}` : ''} includes ${relative(base, target)}${i === chain.length - 1 ? ' again' : ''}`;
  });
  const last = chain.at(-1)!;
  return new PxeError('E_TEMPLATE', `template include cycle: ${steps.join(', ')}`, {
    where: {file: last.path, line: lineNaming(last, path)},
    expected: 'includes, imports and extends that end: no template includes itself or a template that includes it',
    hint: 'remove the include at one of these lines',
  });
}

function environment(): nunjucks.Environment {
  if (env) return env;
  nj().installJinjaCompat();
  installJinjaSemantics(nj());
  guardCycles();
  // Jinja prints Python values: True, None, [1, 2], {'a': 1}.
  const suppress = nj().runtime.suppressValue;
  nj().runtime.suppressValue = (value, autoescape) =>
    suppress(typeof value === 'string' ? value : pyStr(value), autoescape);
  // Only undefined is an error when printed; none prints None.
  const ensureDefined = nj().runtime.ensureDefined;
  nj().runtime.ensureDefined = (value, line, col) => (value === null ? value : ensureDefined(value, line, col));
  // A macro runs in a new frame, cut off from the one that holds the variables; Jinja's macros see them.
  const frameLookup = nj().runtime.contextOrFrameLookup;
  nj().runtime.contextOrFrameLookup = (context, frame, name) => {
    const value = frameLookup(context, frame, name);
    if (value !== undefined) return value;
    const scope = trackers.at(-1)?.scope;
    let root = frame;
    while (root.parent) root = root.parent;
    return scope && root !== scope.frame ? scope.frame.variables[name] : undefined;
  };
  const loader = {
    getSource: (name: string) => ({src: templateText(name, 'include'), path: name, noCache: true}),
    isRelative: (name: string) => !isAbsolute(name),
    resolve: (parent: string, name: string) => join(dirname(parent), name),
  };
  // Ansible's defaults: trim_blocks true, lstrip_blocks false, the final newline kept. dev keeps the cause
  // of an error (a nested variable's PxeError) instead of a bare message.
  env = new (nj().Environment)(loader, {
    autoescape: false,
    throwOnUndefined: true,
    trimBlocks: true,
    lstripBlocks: false,
    dev: true,
  });
  installFilters(env);
  // lookup() joins the values with ',' (unless wantlist=true); query() and q() return the list.
  const lookup =
    (asList: boolean) =>
    (plugin: string, ...args: unknown[]) => {
      const [terms, {wantlist, errors, ...options}] = splitKwargs(args);
      let values: unknown[];
      try {
        values = lookupValues(lookupContext(), String(plugin), terms, options);
      } catch (error) {
        if (errors !== 'ignore') throw error;
        values = [];
      }
      return asList || wantlist === true ? values : values.map(String).join(',');
    };
  env.addGlobal('lookup', lookup(false));
  env.addGlobal('query', lookup(true));
  env.addGlobal('q', lookup(true));
  env.addFilter('__capture', (value: unknown) => {
    captured = value;
    return '';
  });
  return env;
}

function template(src: string, path?: string): Render {
  const key = path ? `file:${path}\0${src}` : src;
  let t = compiled.get(key);
  if (!t) {
    t = new (nj().Template)(src, environment(), path, true) as unknown as Render;
    compiled.set(key, t);
  }
  return t;
}

export function hasTemplate(value: unknown): boolean {
  if (typeof value === 'string') return TEMPLATE.test(value);
  if (Array.isArray(value)) return value.some(hasTemplate);
  if (value && typeof value === 'object' && !isLazy(value)) return Object.values(value).some(hasTemplate);
  return false;
}

/** One render in flight: the names it looked up and did not find. */
interface Tracker {
  missing: string[];
  scope: Scope;
}
const trackers: Tracker[] = [];

/**
 * The variables as nunjucks sees them: a frame whose values are rendered on first use (a variable's
 * value may itself be a template, as in Ansible), with loops caught.
 */
class Scope {
  private readonly cache = new Map<string, unknown>();
  private readonly resolving = new Set<string>();
  readonly frame: Frame;

  constructor(
    private readonly vars: Vars,
    private readonly where: Where,
  ) {
    const {Frame: FrameClass} = nj().runtime;
    this.frame = new FrameClass();
    const globals = (environment() as unknown as {globals: Record<string, unknown>}).globals;
    this.frame.variables = new Proxy({} as Record<string, unknown>, {
      get: (_t, name) => {
        if (typeof name !== 'string') return undefined;
        if (!Object.hasOwn(this.vars, name)) {
          if (!NOT_VARIABLES.has(name) && !(name in globals)) trackers.at(-1)?.missing.push(name);
          return undefined;
        }
        return this.resolve(name);
      },
    });
  }

  /** A variable's value without counting it as missing when it is not there (role_path outside a role). */
  peek(name: string): unknown {
    return Object.hasOwn(this.vars, name) ? this.resolve(name) : undefined;
  }

  private resolve(name: string): unknown {
    if (this.cache.has(name)) return this.cache.get(name);
    const raw = this.vars[name];
    if (!hasTemplate(raw)) return raw;
    if (this.resolving.has(name)) {
      throw new PxeError(
        'E_TEMPLATE',
        `variable '${name}' refers to itself (${[...this.resolving, name].join(' → ')})`,
        {
          where: this.where,
          hint: 'a variable cannot be defined from its own value; use another name',
        },
      );
    }
    this.resolving.add(name);
    try {
      const value = renderIn(raw, this, this.where, name);
      this.cache.set(name, value);
      return value;
    } finally {
      this.resolving.delete(name);
    }
  }
}

function renderIn(value: unknown, scope: Scope, where: Where, varName?: string): unknown {
  if (typeof value === 'string') {
    if (!TEMPLATE.test(value)) return value;
    const single = SINGLE_EXPRESSION.exec(value);
    if (single && !single[1]!.includes('}}') && !single[1]!.includes('{{'))
      return evaluate(single[1]!, value, scope, where, varName);
    return run(value, undefined, scope, where, varName);
  }
  if (Array.isArray(value)) return value.map((v) => renderIn(v, scope, where, varName));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renderIn(v, scope, where, varName)]));
  return value;
}

/** A bare expression's native value (Ansible's native types for `key: "{{ expr }}"`). */
function evaluate(expr: string, source: string, scope: Scope, where: Where, varName?: string): unknown {
  captured = undefined;
  run(`{{ (${expr}) | __capture }}`, undefined, scope, where, varName, source);
  const value = captured;
  if (value === undefined) throw undefinedError(`'${expr.trim()}'`, source, where, 1, varName);
  return value;
}

/** Render text; every undefined variable not guarded by `default` or `is defined` is an error. */
function run(src: string, path: string | undefined, scope: Scope, where: Where, varName?: string, shown = src): string {
  const tracker: Tracker = {missing: [], scope};
  trackers.push(tracker);
  try {
    const out = template(src, path).render({}, scope.frame);
    const unguarded = tracker.missing.find((n) => !guardedNames(src).has(n));
    if (unguarded) throw undefinedError(`'${unguarded}'`, shown, where, lineOf(src, unguarded), varName, path);
    return out;
  } catch (e) {
    // nunjucks wraps what a filter or a nested variable threw; a PxeError (nested template) stands as is.
    for (let cause: unknown = e; cause; cause = (cause as {cause?: unknown}).cause)
      if (cause instanceof PxeError) throw cause;
    throw templateError(e as Error, src, shown, where, tracker, varName, path);
  } finally {
    trackers.pop();
  }
}

function undefinedName(tracker: Pick<Tracker, 'missing'>, expr: string): string {
  const name = tracker.missing.at(-1);
  return name ? `'${name}'` : `'${expr.trim()}'`;
}

function undefinedError(
  name: string,
  source: string,
  where: Where,
  line: number,
  varName?: string,
  path?: string,
): PxeError {
  const inVar =
    (varName ? ` (in the value of variable '${varName}')` : '') +
    (!path && line > 1 ? ` (line ${line} of the template)` : '');
  return new PxeError('E_TEMPLATE', `${name} is undefined${inVar}`, {
    where: path ? {...where, file: path, line, col: undefined} : where,
    expected: `${name} to be defined in the inventory, group_vars, the play, the role defaults or -e`,
    hint: path
      ? undefined
      : `in template string ${JSON.stringify(source.length > 80 ? source.slice(0, 77) + '...' : source)}; use "| default(...)" to make it optional`,
  });
}

function templateError(
  e: Error,
  src: string,
  shown: string,
  where: Where,
  tracker: Pick<Tracker, 'missing'>,
  varName?: string,
  path?: string,
): PxeError {
  // nunjucks' message: "(path) [Line N, Column M]\n  message" (the position only when known).
  const m = /\[Line (\d+), Column (\d+)\]/.exec(e.message);
  const line = m ? Number(m[1]) : 1;
  const full = e.message
    .replace(/^\([^)\n]*\)\s*/, '')
    .replace(/^\[Line \d+, Column \d+\]\s*/, '')
    .replace(/^(Template render error: )?(Error: )?/, '')
    .trim();
  const message =
    full.length > MAX_ERROR_TEXT
      ? `${full.slice(0, MAX_ERROR_TEXT)}… (${full.length - MAX_ERROR_TEXT} more characters)`
      : full;
  if (message.startsWith('attempted to output null or undefined value')) {
    const text = src.split('\n')[line - 1] ?? '';
    const expr = /\{\{-?\s*([\s\S]*?)\s*-?\}\}/.exec(text.slice(Math.max(0, Number(m?.[2] ?? 1) - 1)))?.[1] ?? text;
    return undefinedError(undefinedName(tracker, expr), shown, where, line, varName, path);
  }
  return new PxeError(
    'E_TEMPLATE',
    `template error: ${message}${varName ? ` (in the value of variable '${varName}')` : ''}`,
    {
      where: path ? {...where, file: path, line, col: undefined} : where,
      expected: 'a valid Jinja2 template',
      hint: path
        ? undefined
        : `in template string ${JSON.stringify(shown.length > 80 ? shown.slice(0, 77) + '...' : shown)}`,
      cause: e,
    },
  );
}

const guards = new Map<string, Set<string>>();
const GUARD_FILTERS = new Set(['default', 'd']);
const GUARD_TESTS = new Set(['defined', 'undefined']);

/** Variables that the template itself checks (`x is defined`, `x | default(…)`): undefined is fine there. */
function guardedNames(src: string): Set<string> {
  let names = guards.get(src);
  if (names) return names;
  names = new Set();
  const root = (n: AstNode | undefined): string | undefined =>
    !n
      ? undefined
      : n.typename === 'Symbol'
        ? String(n.value)
        : n.typename === 'LookupVal'
          ? root(n.target as AstNode)
          : n.typename === 'Group'
            ? root((n.children as AstNode[])[0])
            : undefined;
  const walk = (n: unknown): void => {
    if (!n || typeof n !== 'object') return;
    const node = n as AstNode;
    if (Array.isArray(n)) return n.forEach(walk);
    if (node.typename === 'Filter' && GUARD_FILTERS.has(String((node.name as AstNode).value))) {
      const first = ((node.args as AstNode).children as AstNode[])[0];
      const name = root(first);
      if (name) names!.add(name);
    }
    // What the template assigns ({% set %}, and the lists of filtered loops) is not missing from the vars.
    if (node.typename === 'Set') for (const target of node.targets as AstNode[]) names!.add(String(root(target)));
    if (node.typename === 'Is') {
      const test = node.right as AstNode;
      const testName = test.typename === 'FunCall' ? (test.name as AstNode).value : test.value;
      const name = root(node.left as AstNode);
      if (name && GUARD_TESTS.has(String(testName))) names!.add(name);
    }
    for (const f of node.fields ?? []) walk(node[f]);
    if (node.children) walk(node.children);
  };
  try {
    walk(nj().parser.parse(src));
  } catch {
    // a syntax error is reported by the render itself
  }
  guards.set(src, names);
  return names;
}

function lineOf(src: string, name: string): number {
  const i = src.search(new RegExp(`\\b${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`));
  return i < 0 ? 1 : src.slice(0, i).split('\n').length;
}

/** Render one string to a string. */
export function renderString(text: string, vars: Vars, where: Where | SourcePos = {}): string {
  if (!TEMPLATE.test(text)) return text;
  return run(text, undefined, new Scope(vars, where), where);
}

/**
 * Render a value deeply (lists, mappings). A string that is exactly `{{ expr }}` becomes the expression's
 * native value (a list stays a list), as in Ansible.
 */
export function renderValue<T = unknown>(value: T, vars: Vars, where: Where | SourcePos = {}): unknown {
  if (!hasTemplate(value)) return value;
  return renderIn(value, new Scope(vars, where), where);
}

/** Render a template file (Ansible's `template` module); errors name the file and line. */
export async function renderTemplateFile(path: string, vars: Vars): Promise<string> {
  return renderFileIn(path, new Scope(vars, {file: path}));
}

function renderFileIn(path: string, scope: Scope): string {
  let src: string;
  try {
    src = templateText(path, 'file');
  } catch (error) {
    if (error instanceof PxeError && error.code === 'E_FILE_NOT_FOUND' && !error.hint)
      throw new PxeError(error.code, error.message, {
        where: error.where,
        expected: error.expected,
        hint: "a role's templates live in roles/<role>/templates/",
      });
    throw error;
  }
  return run(src, path, scope, {file: path});
}

/**
 * A template file's text (a rendered file's decrypted when vault-encrypted; an included one as is), read
 * again only when the file changed (inode, size, mtime or ctime): a loop renders the same files per item.
 */
function templateText(path: string, use: 'file' | 'include'): string {
  let stamp: string | undefined;
  try {
    const stats = statSync(path);
    stamp = `${stats.ino}:${stats.size}:${stats.mtimeMs}:${stats.ctimeMs}`;
  } catch {
    // readText names what is wrong with the path
  }
  const key = `${use}\0${path}`;
  const known = sourceTexts.get(key);
  if (stamp !== undefined && known?.stamp === stamp) return known.text;
  const raw = readText(path, 'template', 'E_TEMPLATE');
  const text = use === 'file' ? decryptIfVault(Buffer.from(raw, 'utf8'), path).toString('utf8') : raw;
  if (stamp !== undefined) sourceTexts.set(key, {stamp, text});
  return text;
}
const sourceTexts = new Map<string, {stamp: string; text: string}>();

/** Where the template being rendered sits, for lookups' relative paths. */
function lookupContext(): LookupContext {
  const scope = trackers.at(-1)?.scope ?? new Scope({}, {});
  const dir = (name: string) => {
    const value = scope.peek(name);
    return typeof value === 'string' ? value : undefined;
  };
  return {
    roleDir: dir('role_path'),
    playbookDir: dir('playbook_dir') ?? process.cwd(),
    renderFile: (path) => renderFileIn(path, scope),
  };
}

/** Evaluate a `when:` / `changed_when:` / `failed_when:` condition (a bare Jinja expression, or a boolean). */
export function evalCondition(condition: string | boolean, vars: Vars, where: Where | SourcePos = {}): boolean {
  if (typeof condition === 'boolean') return condition;
  const expr = SINGLE_EXPRESSION.exec(condition.trim())?.[1] ?? condition;
  const scope = new Scope(vars, where);
  captured = undefined;
  run(`{{ (${expr}) | __capture }}`, undefined, scope, where, undefined, condition);
  return jinjaTruthy(captured);
}

/** Check a template's syntax without rendering it (for `validate`): parse only, cheaper than compiling. */
export function checkTemplateSyntax(text: string, where: Where): PxeError | undefined {
  environment();
  try {
    nj().parser.parse(text);
    return undefined;
  } catch (e) {
    const line = (e as {lineno?: number}).lineno;
    const err = new Error(line ? `[Line ${line}, Column 1] ${(e as Error).message}` : (e as Error).message);
    return templateError(
      err,
      text,
      text,
      where,
      {missing: []},
      undefined,
      where.file && !where.line ? where.file : undefined,
    );
  }
}
