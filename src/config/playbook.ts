/**
 * loadPlaybook: an Ansible playbook (a list of plays, import_playbook included) with its vars_files and
 * roles, every task's module arguments checked. All errors of all files are reported together.
 */
import {dirname, isAbsolute, join, resolve} from 'node:path';
import {collectErrors, PxeError, PxeErrors} from '../errors.js';
import {commaList} from './comma-list.js';
import type {Play, Playbook, RoleRef, SourcePos, Task, Vars} from './model.js';
import {loadRole, loadRoleMeta, locateRole, rolesPath} from './roles.js';
import {checkSchema} from './schema-check.js';
import {playbookShapeSchema} from './schemas.js';
import {didYouMean} from './suggest.js';
import {
  emptyInherited,
  importCycle,
  newTaskBudget,
  readTasks,
  type ImportLink,
  type Inherited,
  type RoleImport,
  type RoleImporter,
  type TaskBudget,
} from './tasks.js';
import {toBool} from './template-filters.js';
import {hasTemplate, renderString} from './template.js';
import {loadVarsFile} from './vars-dirs.js';
import {loadYaml, posAt, type YamlFile} from './yaml.js';

export interface LoadPlaybookOptions {
  /** -e values: vars_files names may be templates of them. */
  extraVars?: Vars;
  /** roles_path: searched after the playbook's roles/, before the shipped roles. */
  rolesPath?: string[];
}

type RawPlay = Record<string, unknown>;

/** What connecting needs of a play: its hosts pattern and become settings. */
export type PlayTarget = Pick<Play, 'name' | 'hosts' | 'become' | 'becomeUser'>;

function playTarget(raw: RawPlay): PlayTarget {
  const hosts = Array.isArray(raw.hosts) ? raw.hosts.join(',') : String(raw.hosts);
  return {
    name: typeof raw.name === 'string' ? raw.name : hosts,
    hosts,
    become: raw.become === undefined ? undefined : toBool(raw.become),
    becomeUser: raw.become_user as string | undefined,
  };
}

/**
 * The plays of a playbook file as far as connecting goes, read as loadPlaybook reads them but without their
 * roles and tasks, so that hosts can connect while those load. Undefined for anything but a plain list of
 * plays with hosts (an import_playbook, a file that does not parse): loadPlaybook then says what is wrong.
 */
export function playTargets(file: string): PlayTarget[] | undefined {
  let value: unknown;
  try {
    value = loadYaml(file, 'playbook').value;
  } catch {
    // Reported by loadPlaybook, which reads the same file next.
    return undefined;
  }
  const plays = Array.isArray(value) ? (value as unknown[]) : [];
  const plain = (p: unknown): p is RawPlay =>
    typeof p === 'object' && p !== null && !Array.isArray(p) && !('import_playbook' in p) && 'hosts' in p;
  return plays.length > 0 && plays.every(plain) ? plays.map(playTarget) : undefined;
}

export function loadPlaybook(file: string, options: LoadPlaybookOptions = {}): Playbook {
  const errors: PxeError[] = [];
  const plays = readPlaybook(file, options, errors, [{file: resolve(file)}], newTaskBudget());
  if (errors.length) throw new PxeErrors(errors);
  return {file, plays};
}

/** `chain`: the playbooks being imported, this one last. */
function readPlaybook(
  file: string,
  options: LoadPlaybookOptions,
  errors: PxeError[],
  chain: ImportLink[],
  budget: TaskBudget,
): Play[] {
  const y = collectErrors(errors, () => loadYaml(file, 'playbook'));
  if (!y) return [];
  const problems = checkSchema(playbookShapeSchema, y.value, y);
  if (problems.length) {
    errors.push(...problems);
    return [];
  }
  const baseDir = resolve(dirname(file));
  return (y.value as RawPlay[]).flatMap((raw, i) => {
    if (typeof raw.import_playbook === 'string') {
      const child = resolve(baseDir, raw.import_playbook);
      const where = posAt(y, [i, 'import_playbook']);
      const cycle = importCycle('import_playbook', child, chain, where);
      if (cycle) {
        errors.push(cycle);
        return [];
      }
      return readPlaybook(child, options, errors, [...chain, {file: child, where}], budget);
    }
    return [readPlay(y, i, raw, baseDir, options, errors, budget)];
  });
}

function readPlay(
  y: YamlFile,
  i: number,
  raw: RawPlay,
  baseDir: string,
  options: LoadPlaybookOptions,
  errors: PxeError[],
  budget: TaskBudget,
): Play {
  const vars = (raw.vars ?? {}) as Vars;
  const tags = commaList(raw.tags);
  const inherited: Inherited = {...emptyInherited(), tags};
  const varsFiles = readVarsFiles(
    y,
    i,
    raw.vars_files,
    {...vars, ...options.extraVars, playbook_dir: baseDir},
    baseDir,
    errors,
  );
  const roles = new PlayRoles(rolesPath(baseDir, options.rolesPath), baseDir, errors, budget);
  const roleTasks = (Array.isArray(raw.roles) ? raw.roles : []).flatMap((entry: unknown, j: number) =>
    roles.add(posAt(y, [i, 'roles', j]), entry, inherited, []),
  );
  const section = (key: string) =>
    readTasks({y, dir: baseDir, inherited, importRole: roles.importer([]), budget}, [i, key], raw[key], errors);
  const tasks = [...section('pre_tasks'), ...roleTasks, ...section('tasks'), ...section('post_tasks')];
  const handlers = [...roles.handlers, ...section('handlers')];
  checkNotify(tasks, handlers, errors);
  return {
    ...playTarget(raw),
    vars,
    varsFiles,
    roles: roles.refs,
    tasks,
    handlers,
    gatherFacts: raw.gather_facts === undefined ? true : toBool(raw.gather_facts),
    tags,
    pos: posAt(y, [i]),
    baseDir,
  };
}

/** A play's vars_files: each name may be a template of the play's vars and -e; relative to the playbook. */
function readVarsFiles(
  y: YamlFile,
  i: number,
  names: unknown,
  vars: Vars,
  baseDir: string,
  errors: PxeError[],
): Vars[] {
  return (Array.isArray(names) ? names : names ? [names] : []).map((name: unknown, j: number) => {
    const where = posAt(y, [i, 'vars_files', ...(Array.isArray(names) ? [j] : [])]);
    const rendered = collectErrors(errors, () =>
      hasTemplate(name) ? renderString(String(name), vars, where) : String(name),
    );
    if (rendered === undefined) return {};
    const path = isAbsolute(rendered) ? rendered : join(baseDir, rendered);
    const before = errors.length;
    const loaded = loadVarsFile(path, errors, 'vars_file');
    for (let k = before; k < errors.length; k++) {
      const e = errors[k]!;
      if (e.code === 'E_FILE_NOT_FOUND')
        errors[k] = new PxeError('E_FILE_NOT_FOUND', `vars_file ${rendered} does not exist (looked for ${path})`, {
          where,
          expected: 'a YAML file of variables',
          hint: 'vars_files are relative to the playbook',
        });
    }
    return loaded;
  });
}

/** What a role entry passes down to its tasks: the parent's when, tags and become, and its own. */
function roleInherited(parent: Inherited, entry: Record<string, unknown>): Inherited {
  const {tags, when, become} = entry;
  return {
    ...parent,
    tags: [...new Set([...parent.tags, ...commaList(tags)])],
    when: [...parent.when, ...(when === undefined ? [] : (Array.isArray(when) ? when : [when]).map(String))],
    become: become === undefined ? parent.become : toBool(become),
  };
}

/**
 * A play's roles: their tasks (each role's dependencies first), their handlers and references. Ansible runs
 * a role once per play: listed again (or depended on again) with the same parameters, it is skipped unless
 * its meta says allow_duplicates. import_role always runs it.
 */
class PlayRoles {
  readonly refs: RoleRef[] = [];
  readonly handlers: Task[] = [];
  private readonly added = new Set<string>();

  constructor(
    private readonly searchPath: string[],
    private readonly baseDir: string,
    private readonly errors: PxeError[],
    private readonly budget: TaskBudget,
  ) {}

  /** A role entry's dependencies' tasks and its own; its handlers and variables join the play. */
  add(where: SourcePos, entry: unknown, parent: Inherited, chain: string[], imported?: RoleImport): Task[] {
    const e = (typeof entry === 'string' ? {role: entry} : entry) as Record<string, unknown>;
    const name = (e.role ?? e.name) as string | undefined;
    if (!name) {
      this.errors.push(
        new PxeError('E_SCHEMA', 'a role entry needs role: NAME', {
          where,
          expected: 'a role name, or {role: NAME, vars: {…}}',
        }),
      );
      return [];
    }
    if (chain.includes(name)) {
      const hint = imported
        ? 'remove this import_role / include_role, or the one that leads back here'
        : "remove one of these from a role's meta/main.yaml dependencies";
      this.errors.push(
        new PxeError('E_SCHEMA', `role dependency cycle: ${[...chain, name].join(' -> ')}`, {where, hint}),
      );
      return [];
    }
    const dir = locateRole(name, this.searchPath, this.baseDir, where, this.errors);
    if (!dir) return [];
    const {role: _r, name: _n, vars: roleVars, tags: _t, when: _w, become: _b, ...extra} = e;
    const params = {...extra, ...(roleVars as Vars | undefined)};
    const inherited = roleInherited(parent, e);
    const meta = loadRoleMeta(dir, this.errors);
    const dependencies = meta.dependencies.flatMap((dependency, k) =>
      this.add(posAt(meta.y!, ['dependencies', k]), dependency, inherited, [...chain, name]),
    );
    const key = `${dir}\0${JSON.stringify(params)}`;
    if (this.added.has(key) && !meta.allowDuplicates && !imported) return dependencies;
    this.added.add(key);
    const options = {
      tasksFrom: imported?.tasksFrom,
      handlersFrom: imported?.handlersFrom,
      where,
      importRole: this.importer([...chain, name]),
      budget: this.budget,
    };
    const role = loadRole(name, dir, params, inherited, this.errors, options);
    this.refs.push(role.ref);
    this.handlers.push(...role.handlers);
    return [...dependencies, ...role.tasks];
  }

  /** import_role inside a task list: the task's when, tags and vars pass down as they do for a block. */
  importer(chain: string[]): RoleImporter {
    return (request, taskInherited, where) => this.add(where, request.name, taskInherited, chain, request);
  }
}

/** A notify naming no handler fails at run time in Ansible; here at load time, with the nearest names. */
function checkNotify(tasks: Task[], handlers: Task[], errors: PxeError[]): void {
  const names = new Set(handlers.flatMap((h) => [h.name, ...h.listen]));
  for (const task of [...tasks, ...handlers]) {
    for (const target of task.notify) {
      if (names.has(target) || hasTemplate(target)) continue;
      errors.push(
        new PxeError('E_SCHEMA', `notify: no handler is named '${target}'`, {
          where: task.pos,
          expected: names.size ? `one of: ${[...names].join(', ')}` : 'a handler of the play or of its roles',
          hint: didYouMean(target, names),
        }),
      );
    }
  }
}
