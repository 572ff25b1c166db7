/**
 * Task lists (a play's tasks/handlers, a role's tasks/main.yaml): keywords, the one module key and its
 * arguments checked against the module's schema; `block:` and `import_tasks:` flattened with what they
 * pass down (when, tags, become, vars).
 */
import {dirname, relative, resolve} from 'node:path';
import {PxeError, PxeErrors} from '../errors.js';
import type {BlockPlace, RoleRef, SourcePos, Task, Vars} from './model.js';
import {commaList} from './comma-list.js';
import {moduleCatalogue, type ModuleSpec} from './module-catalogue.js';
import {checkSchema} from './schema-check.js';
import {TASK_KEYWORDS, taskKeywordSchema} from './schemas.js';
import {didYouMean, nearest} from './suggest.js';
import {toBool} from './template-filters.js';
import {loadYaml, posAt, type YamlFile, type YamlPath} from './yaml.js';

/** What a block, an import or a role passes down to its tasks. */
export interface Inherited {
  when: string[];
  tags: string[];
  become?: boolean;
  becomeUser?: string;
  vars: Vars;
  ignoreErrors?: boolean;
  noLog?: boolean;
  blocks?: BlockPlace[];
}

export interface TaskSource {
  y: YamlFile;
  role?: RoleRef;
  /** Where import_tasks looks: the role's tasks/ dir, or the including file's dir. */
  dir: string;
  inherited: Inherited;
  /** The files being imported, outermost first, each with the import that named it: a file on it again is a cycle. */
  chain?: ImportLink[];
  /** Shared by every task list of a playbook: caps the tasks after expansion. */
  budget?: TaskBudget;
  /** import_role / include_role: the play loads the role (its handlers and variables join the play). */
  importRole?: RoleImporter;
}

export interface RoleImport {
  name: string;
  tasksFrom?: string;
  handlersFrom?: string;
}

export interface ImportLink {
  file: string;
  /** The import statement that named the file (none for the file the chain starts from). */
  where?: SourcePos;
}

/** More tasks than this after expanding imports is hostile or broken input, not a playbook. */
export const MAX_TASKS = 100_000;

export interface TaskBudget {
  /** Task entries read so far (tasks, blocks and imports). */
  entries: number;
  exceeded: boolean;
}

export const newTaskBudget = (): TaskBudget => ({entries: 0, exceeded: false});

/**
 * A cycle error when `file` is already on `chain`, naming each import from the file's first one to `where`
 * (paths relative to the directory of the chain's first file).
 */
export function importCycle(what: string, file: string, chain: ImportLink[], where: SourcePos): PxeError | undefined {
  const start = chain.findIndex((link) => link.file === file);
  if (start < 0) return undefined;
  const base = dirname(chain[0]!.file);
  const at = (pos: SourcePos) => `${relative(base, pos.file)}:${pos.line}`;
  const steps = [
    ...chain
      .slice(start)
      .filter((link) => link.where)
      .map((link) => `${at(link.where!)} imports ${relative(base, link.file)}`),
    `${at(where)} imports ${relative(base, file)} again`,
  ];
  return new PxeError('E_SCHEMA', `${what} cycle: ${steps.join(', ')}`, {
    where,
    expected: 'imports that end: no file imported from itself or from a file it imports',
    hint: `remove the ${what} at one of these lines`,
  });
}

/** Loads a role named by import_role at `where`; returns its tasks (its dependencies' first). */
export type RoleImporter = (request: RoleImport, inherited: Inherited, where: SourcePos) => Task[];

/** Ansible keywords pxeprov does not run: named as such instead of "unknown module". */
const UNSUPPORTED = [
  'delegate_to',
  'run_once',
  'async',
  'poll',
  'environment',
  'check_mode',
  'diff',
  'local_action',
  'with_dict',
  'with_fileglob',
  'with_together',
  'include_vars',
  'any_errors_fatal',
  'throttle',
  'timeout',
  'connection',
  'remote_user',
];
const BLOCK_KEYS = new Set([
  'name',
  'block',
  'rescue',
  'always',
  'when',
  'tags',
  'become',
  'become_user',
  'vars',
  'ignore_errors',
  'no_log',
]);
const PREFIXES = /^ansible\.(builtin|legacy)\./;

export const emptyInherited = (): Inherited => ({when: [], tags: [], vars: {}});

function moduleNamed(key: string): ModuleSpec | undefined {
  return moduleCatalogue().get(key.replace(PREFIXES, ''));
}

const conditions = (v: unknown): string[] =>
  v === undefined || v === null ? [] : (Array.isArray(v) ? v : [v]).map(String);
const condition = (v: unknown): string | boolean | undefined => {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'boolean') return v;
  const all = conditions(v);
  return all.length === 1 ? all[0] : all.map((c) => `(${c})`).join(' and ');
};
const optBool = (v: unknown): boolean | undefined => (v === undefined || v === null ? undefined : toBool(v));

/** Read the task list at `path` of `src.y`; errors are collected, not thrown. */
export function readTasks(src: TaskSource, path: YamlPath, value: unknown, errors: PxeError[]): Task[] {
  if (value === null || value === undefined) return [];
  if (!Array.isArray(value)) {
    errors.push(
      new PxeError('E_SCHEMA', 'a task list must be a list', {
        where: posAt(src.y, path),
        expected: 'a list of tasks (- name: …)',
      }),
    );
    return [];
  }
  return value.flatMap((item, i) => readTask(src, [...path, i], item, errors));
}

function readTask(src: TaskSource, path: YamlPath, item: unknown, errors: PxeError[]): Task[] {
  if (src.budget && !spend(src.budget, src.y, path, errors)) return [];
  const where = posAt(src.y, path);
  if (!item || typeof item !== 'object' || Array.isArray(item)) {
    errors.push(new PxeError('E_SCHEMA', 'a task must be a mapping', {where, expected: 'name: …, <module>: {…}'}));
    return [];
  }
  const t = item as Record<string, unknown>;
  const problems = checkSchema(taskKeywordSchema, t, src.y, {base: path});
  if (problems.length) {
    errors.push(...problems);
    return [];
  }
  const inherited = inherit(src.inherited, t);
  if ('block' in t) return readBlock(src, path, t, inherited, errors);
  for (const key of ['rescue', 'always'].filter((k) => k in t)) {
    errors.push(
      new PxeError('E_SCHEMA', `'${key}:' belongs to a block`, {
        where: posAt(src.y, [...path, key], true),
        expected: 'block:, then rescue: and/or always:',
        hint: `put this task's module under block: and keep ${key}: beside it`,
      }),
    );
    return [];
  }
  if ('import_tasks' in t || 'include_tasks' in t) return importTasks(src, path, t, inherited, errors);
  if ('import_role' in t || 'include_role' in t) return importRole(src, path, t, inherited, errors);
  const module = findModule(src.y, path, t, errors);
  if (!module) return [];
  const {key, resource} = module;
  const args = moduleArgs(resource, t[key], t.args);
  const argErrors = checkSchema(resource.schema, args, src.y, {
    base: [...path, key],
    code: 'E_MODULE_ARGS',
    what: `module '${resource.name}'`,
    templates: true,
  });
  if (argErrors.length) {
    errors.push(...argErrors);
    return [];
  }
  const lonely = ['retries', 'delay'].find((k) => k in t && !('until' in t));
  if (lonely) {
    errors.push(
      new PxeError('E_SCHEMA', `'${lonely}' works with until`, {
        where: posAt(src.y, [...path, lonely], true),
        expected: 'until: CONDITION beside it',
        hint: 'e.g. until: result.rc == 0',
      }),
    );
    return [];
  }
  const loopControl = (t.loop_control ?? {}) as {loop_var?: string};
  return [
    {
      // An unnamed no_log task is named by its module alone: the default name shows its arguments.
      name: typeof t.name === 'string' ? t.name : inherited.noLog ? resource.name : defaultName(resource.name, args),
      module: resource.name,
      args,
      when: inherited.when,
      loop: t.loop ?? withItems(t.with_items),
      loopVar: loopControl.loop_var ?? 'item',
      register: t.register as string | undefined,
      notify: commaList(t.notify),
      listen: commaList(t.listen),
      tags: inherited.tags,
      become: inherited.become,
      becomeUser: inherited.becomeUser,
      ignoreErrors: inherited.ignoreErrors ?? false,
      changedWhen: condition(t.changed_when),
      failedWhen: condition(t.failed_when),
      ...(t.until === undefined || t.until === null
        ? {}
        : {until: condition(t.until), retries: t.retries ?? 3, delay: t.delay ?? 5}),
      noLog: inherited.noLog ?? false,
      vars: inherited.vars,
      pos: where,
      role: src.role,
      ...(inherited.blocks?.length ? {blocks: inherited.blocks} : {}),
    },
  ];
}

/** Counts one task entry; past MAX_TASKS reports once, naming the file being expanded, and stops the expansion. */
function spend(budget: TaskBudget, y: YamlFile, path: YamlPath, errors: PxeError[]): boolean {
  if (budget.exceeded) return false;
  if (++budget.entries <= MAX_TASKS) return true;
  budget.exceeded = true;
  errors.push(
    new PxeError('E_SCHEMA', `more than ${MAX_TASKS} tasks after expanding imports`, {
      where: posAt(y, path),
      expected: `at most ${MAX_TASKS} tasks, blocks and imports in a playbook`,
      hint: 'a file imported many times over (imports of imports) multiplies its tasks; import it once',
    }),
  );
  return false;
}

function inherit(parent: Inherited, t: Record<string, unknown>): Inherited {
  return {
    when: [...parent.when, ...conditions(t.when)],
    tags: [...new Set([...parent.tags, ...commaList(t.tags)])],
    become: optBool(t.become) ?? parent.become,
    becomeUser: (t.become_user as string | undefined) ?? parent.becomeUser,
    vars: {...parent.vars, ...(t.vars as Vars | undefined)},
    ignoreErrors: optBool(t.ignore_errors) ?? parent.ignoreErrors,
    noLog: optBool(t.no_log) ?? parent.noLog,
    blocks: parent.blocks,
  };
}

/** with_items flattens one level (Ansible's flatten(1)); a template string is flattened by the engine. */
function withItems(v: unknown): unknown {
  return Array.isArray(v) ? v.flat(1) : v;
}

function readBlock(
  src: TaskSource,
  path: YamlPath,
  t: Record<string, unknown>,
  inherited: Inherited,
  errors: PxeError[],
): Task[] {
  for (const key of Object.keys(t).filter((k) => !BLOCK_KEYS.has(k))) {
    errors.push(
      new PxeError('E_SCHEMA', `'${key}' is not allowed on a block`, {
        where: posAt(src.y, [...path, key], true),
        expected: `one of: ${[...BLOCK_KEYS].join(', ')}`,
      }),
    );
  }
  if (!('rescue' in t) && !('always' in t)) return readTasks({...src, inherited}, [...path, 'block'], t.block, errors);
  // Failures inside are handled at run time: each task knows its place in the blocks around it.
  const block = {hasRescue: Array.isArray(t.rescue) && t.rescue.length > 0, pos: posAt(src.y, path)};
  const section = (name: BlockPlace['section']) =>
    readTasks(
      {...src, inherited: {...inherited, blocks: [...(inherited.blocks ?? []), {block, section: name}]}},
      [...path, name],
      t[name],
      errors,
    );
  return [...section('block'), ...section('rescue'), ...section('always')];
}

function importTasks(
  src: TaskSource,
  path: YamlPath,
  t: Record<string, unknown>,
  inherited: Inherited,
  errors: PxeError[],
): Task[] {
  const key = 'import_tasks' in t ? 'import_tasks' : 'include_tasks';
  const name = String(t[key]);
  const where = posAt(src.y, [...path, key]);
  const file = resolve(src.dir, name);
  const chain = src.chain ?? [{file: resolve(src.y.file)}];
  const cycle = importCycle(key, file, chain, where);
  if (cycle) {
    errors.push(cycle);
    return [];
  }
  let y: YamlFile;
  try {
    y = loadYaml(file, 'tasks file');
  } catch (e) {
    if (e instanceof PxeErrors) errors.push(...e.errors);
    else if (e instanceof PxeError)
      errors.push(new PxeError(e.code, e.message, {where, hint: `${key} is relative to ${src.dir}`}));
    else throw e;
    return [];
  }
  return readTasks({...src, y, dir: dirname(file), inherited, chain: [...chain, {file, where}]}, [], y.value, errors);
}

/** import_role / include_role, both loaded when the playbook is (pxeprov has no dynamic includes). */
function importRole(
  src: TaskSource,
  path: YamlPath,
  t: Record<string, unknown>,
  inherited: Inherited,
  errors: PxeError[],
): Task[] {
  const key = 'import_role' in t ? 'import_role' : 'include_role';
  const looped = ['loop', 'with_items'].find((k) => k in t);
  if (looped) {
    errors.push(
      new PxeError('E_SCHEMA', `'${looped}' over ${key} is not supported`, {
        where: posAt(src.y, [...path, looped], true),
        hint: 'give the role a list variable and loop inside its tasks',
      }),
    );
    return [];
  }
  const spec = t[key] as {name: string; tasks_from?: string; handlers_from?: string};
  return (
    src.importRole?.(
      {name: spec.name, tasksFrom: spec.tasks_from, handlersFrom: spec.handlers_from},
      inherited,
      posAt(src.y, [...path, key]),
    ) ?? []
  );
}

function findModule(
  y: YamlFile,
  path: YamlPath,
  t: Record<string, unknown>,
  errors: PxeError[],
): {key: string; resource: ModuleSpec} | undefined {
  const keywords = Object.keys(TASK_KEYWORDS);
  const others = Object.keys(t).filter((k) => !(k in TASK_KEYWORDS));
  const found = others.filter((k) => moduleNamed(k));
  const names = [...moduleCatalogue().keys()];
  for (const key of others.filter((k) => !moduleNamed(k))) {
    const where = posAt(y, [...path, key], true);
    if (UNSUPPORTED.includes(key)) {
      errors.push(
        new PxeError('E_SCHEMA', `task keyword '${key}' is not supported by pxeprov`, {
          where,
          expected: `one of: ${keywords.join(', ')}`,
        }),
      );
    } else if (found.length || nearest(key, keywords, 1).length) {
      errors.push(
        new PxeError('E_SCHEMA', `unknown task keyword '${key}'`, {
          where,
          expected: `one of: ${keywords.join(', ')}`,
          hint: didYouMean(key, [...keywords, ...names]),
        }),
      );
    } else {
      errors.push(
        new PxeError('E_UNKNOWN_MODULE', `unknown module '${key}'`, {
          where,
          expected: `one of: ${names.join(', ')}`,
          hint: didYouMean(key.replace(PREFIXES, ''), names),
        }),
      );
    }
  }
  if (found.length > 1) {
    errors.push(
      new PxeError('E_UNKNOWN_MODULE', `a task has one module, this one has ${found.length}: ${found.join(', ')}`, {
        where: posAt(y, [...path, found[1]!], true),
        expected: 'one module key per task',
        hint: `split it into one task per module, or check the indentation of '${found[1]}'`,
      }),
    );
    return undefined;
  }
  if (found.length === 0) {
    if (others.length === 0) {
      errors.push(
        new PxeError('E_UNKNOWN_MODULE', 'this task names no module', {
          where: posAt(y, path),
          expected: `one of: ${names.join(', ')}`,
          hint: 'a task is name: … plus one module key, e.g. apt: {name: nginx}',
        }),
      );
    }
    return undefined;
  }
  return {key: found[0]!, resource: moduleNamed(found[0]!)!};
}

/** `command: echo hi` → {cmd: 'echo hi'}; `apt: name=x state=present` → {name: 'x', state: 'present'}; plus `args:`. */
function moduleArgs(resource: ModuleSpec, value: unknown, extra: unknown): unknown {
  let args: unknown = value ?? {};
  if (typeof value === 'string' || typeof value === 'number') {
    args = resource.freeForm ? {[resource.freeForm]: String(value)} : keyValues(String(value));
  }
  return extra && typeof args === 'object' && !Array.isArray(args) ? {...(args as object), ...(extra as object)} : args;
}

function keyValues(text: string): Record<string, string> | string {
  const out: Record<string, string> = {};
  // A value runs to the next space outside quotes and {{ … }}.
  for (const m of text.matchAll(/(\w+)=((?:"[^"]*"|'[^']*'|\{\{[\s\S]*?\}\}|\S)+)/g))
    out[m[1]!] = m[2]!.replace(/^(["'])(.*)\1$/, '$2');
  return Object.keys(out).length ? out : text;
}

function defaultName(module: string, args: unknown): string {
  if (!args || typeof args !== 'object') return module;
  const summary = Object.entries(args)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  return summary.length > 60 ? `${module} ${summary.slice(0, 57)}...` : `${module} ${summary}`.trim();
}
