/**
 * Roles as data: roles/<name>/{defaults,vars,tasks,handlers,meta}/main.yaml (or main.yml), templates/, files/.
 * Searched as Ansible does: <playbook dir>/roles, roles_path (ansible.cfg, ANSIBLE_ROLES_PATH), the playbook's
 * dir itself, then the roles shipped with pxeprov: a role of the user's own wins over a shipped one of its name.
 */
import {existsSync} from 'node:fs';
import {isDirectory, listDirectory} from './text-file.js';
import {isAbsolute, join, resolve} from 'node:path';
import {collectErrors, PxeError} from '../errors.js';
import {PACKAGE_ROOT} from './package-root.js';
import type {RoleRef, SourcePos, Task, Vars} from './model.js';
import {checkSchema} from './schema-check.js';
import {roleMetaSchema} from './schemas.js';
import {readTasks, type Inherited, type RoleImporter, type TaskBudget} from './tasks.js';
import {toBool} from './template-filters.js';
import {loadVarsFile} from './vars-dirs.js';
import {loadYaml, type YamlFile} from './yaml.js';

export function rolesPath(playbookDir: string, configured: string[] = []): string[] {
  return [join(playbookDir, 'roles'), ...configured, playbookDir, join(PACKAGE_ROOT, 'roles')]
    .map((p) => resolve(p))
    .filter((p, i, all) => all.indexOf(p) === i);
}

export interface LoadedRole {
  ref: RoleRef;
  tasks: Task[];
  handlers: Task[];
}

const isDir = (path: string) => isDirectory(path, 'roles directory');

/** roles/<name>/<sub>/main.yaml or main.yml, if any. */
function mainFile(dir: string, sub: string, base = 'main'): string | undefined {
  const names = /\.ya?ml$/.test(base) ? [base] : [`${base}.yaml`, `${base}.yml`];
  return names.map((f) => join(dir, sub, f)).find((f) => existsSync(f));
}

export function findRole(name: string, searchPath: string[], baseDir: string): string | undefined {
  if (name.includes('/') || isAbsolute(name)) {
    const dir = resolve(baseDir, name);
    return isDir(dir) ? dir : undefined;
  }
  return searchPath.map((p) => join(p, name)).find(isDir);
}

/** The role's directory, or an E_UNKNOWN_ROLE error naming the known roles. */
export function locateRole(
  name: string,
  searchPath: string[],
  baseDir: string,
  where: SourcePos,
  errors: PxeError[],
): string | undefined {
  const dir = findRole(name, searchPath, baseDir);
  if (!dir) {
    const known = [
      ...new Set(
        searchPath.flatMap((p) => listDirs(p).filter((n) => isDir(join(p, n, 'tasks')) || isDir(join(p, n, 'meta')))),
      ),
    ];
    errors.push(
      new PxeError('E_UNKNOWN_ROLE', `role '${name}' not found`, {
        where,
        expected: `a directory ${name}/ under one of: ${searchPath.join(', ')}`,
        hint: known.length
          ? `known roles: ${known.join(', ')}`
          : 'create roles/<name>/tasks/main.yaml beside the playbook',
      }),
    );
  }
  return dir;
}

export interface RoleMeta {
  /** Role entries (as in a play's roles:) that run before this role. */
  dependencies: unknown[];
  allowDuplicates: boolean;
  /** meta/main.yaml, for the positions of its entries. */
  y?: YamlFile;
}

/** roles/<name>/meta/main.yaml: the roles this one depends on (galaxy_info is accepted and ignored). */
export function loadRoleMeta(dir: string, errors: PxeError[]): RoleMeta {
  const none: RoleMeta = {dependencies: [], allowDuplicates: false};
  const file = mainFile(dir, 'meta');
  if (!file) return none;
  const y = collectErrors(errors, () => loadYaml(file, 'role meta file'));
  if (!y) return none;
  const problems = checkSchema(roleMetaSchema, y.value, y);
  if (problems.length) {
    errors.push(...problems);
    return none;
  }
  const meta = (y.value ?? {}) as {dependencies?: unknown[] | null; allow_duplicates?: unknown};
  return {
    dependencies: meta.dependencies ?? [],
    allowDuplicates: meta.allow_duplicates !== undefined && toBool(meta.allow_duplicates),
    y,
  };
}

export interface LoadRoleOptions {
  /** import_role's tasks_from / handlers_from: another file than main under tasks/ or handlers/. */
  tasksFrom?: string;
  handlersFrom?: string;
  /** Where the role was named, for a missing tasks_from / handlers_from file. */
  where?: SourcePos;
  /** How the role's own tasks import other roles. */
  importRole?: RoleImporter;
  /** The playbook's cap on tasks after expansion. */
  budget?: TaskBudget;
}

export function loadRole(
  name: string,
  dir: string,
  params: Vars,
  inherited: Inherited,
  errors: PxeError[],
  options: LoadRoleOptions = {},
): LoadedRole {
  const varsOf = (sub: string): Vars => {
    const file = mainFile(dir, sub);
    return file ? loadVarsFile(file, errors, `role ${sub} file`) : {};
  };
  const ref: RoleRef = {name, dir, defaults: varsOf('defaults'), vars: varsOf('vars'), params};
  const tasksOf = (sub: string, from?: string): Task[] => {
    const file = mainFile(dir, sub, from);
    if (!file) {
      if (from)
        errors.push(
          new PxeError('E_FILE_NOT_FOUND', `role '${name}' has no ${sub}/${from}`, {
            where: options.where,
            expected: `${join(dir, sub, from)}.yaml or .yml`,
            hint: `${sub === 'tasks' ? 'tasks_from' : 'handlers_from'} names a file under the role's ${sub}/`,
          }),
        );
      return [];
    }
    return (
      collectErrors(errors, () => {
        const y = loadYaml(file, `role ${sub} file`);
        return readTasks(
          {y, role: ref, dir: join(dir, sub), inherited, importRole: options.importRole, budget: options.budget},
          [],
          y.value,
          errors,
        );
      }) ?? []
    );
  };
  return {ref, tasks: tasksOf('tasks', options.tasksFrom), handlers: tasksOf('handlers', options.handlersFrom)};
}

function listDirs(dir: string): string[] {
  return listDirectory(dir, 'roles directory').filter((n) => isDir(join(dir, n)));
}
