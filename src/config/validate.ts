/**
 * `pxeprov validate`: load the inventory, the playbook, its roles and every task's arguments, check the
 * play host patterns, --limit, -e and the control-side files tasks name (template/copy src), connecting to
 * nothing. Every error of every input is reported at once.
 */
import {existsSync} from 'node:fs';
import {isAbsolute, join} from 'node:path';
import {collectErrors, PxeError, PxeErrors} from '../errors.js';
import {cacheKey, cacheRead, cacheWrite} from './cache.js';
import {parseExtraVars} from './extra-vars.js';
import {selectHosts} from './host-pattern.js';
import {loadInventory} from './inventory.js';
import type {Inventory, Playbook, Task, Vars} from './model.js';
import {loadPlaybook} from './playbook.js';
import {checkTemplateSyntax, hasTemplate} from './template.js';
import {readText} from './yaml.js';

export interface ValidateOptions {
  inventory: string;
  playbook: string;
  limit?: string;
  extraVars?: string[];
  /** roles_path: searched after the playbook's roles/, before the shipped roles. */
  rolesPath?: string[];
  /** Vault password files for vaulted inputs: --vault-password-file, else $ANSIBLE_VAULT_PASSWORD_FILE or vault_password_file in ansible.cfg. */
  vaultPasswordFiles?: string[];
}

export interface ValidateResult {
  ok: true;
  inventory: string;
  playbook: string;
  plays: number;
  tasks: number;
  handlers: number;
  roles: string[];
  hosts: number;
  warnings: string[];
}


export interface Inputs {
  inventory: Inventory;
  playbook: Playbook;
  extraVars: Vars;
  /** Hosts --limit selects (all of the inventory without it). */
  hosts: number;
  warnings: string[];
}

/** Load every input once, reporting every error of every input together (PxeErrors). */
export function loadInputs(options: ValidateOptions): Inputs {
  const errors: PxeError[] = [];
  const extraVars = collectErrors(errors, () => parseExtraVars(options.extraVars)) ?? {};
  const inventory = collectErrors(errors, () => loadInventory(options.inventory));
  const playbook = collectErrors(errors, () => loadPlaybook(options.playbook, {extraVars, rolesPath: options.rolesPath}));
  const warnings: string[] = [];
  let hosts = inventory?.hosts.size ?? 0;
  if (inventory && options.limit) hosts = collectErrors(errors, () => selectHosts(inventory, options.limit!))?.length ?? 0;
  if (playbook) {
    for (const task of playbook.plays.flatMap((p) => [...p.tasks, ...p.handlers])) errors.push(...checkSources(task, playbook));
    if (inventory) warnings.push(...playHosts(playbook, inventory));
  }
  if (errors.length) throw new PxeErrors(errors);
  return {inventory: inventory!, playbook: playbook!, extraVars, hosts, warnings};
}

export function validate(options: ValidateOptions): ValidateResult {
  const {playbook, hosts, warnings} = loadInputs(options);
  const plays = playbook.plays;
  return {
    ok: true,
    inventory: options.inventory,
    playbook: options.playbook,
    plays: plays.length,
    tasks: plays.reduce((n, p) => n + p.tasks.length, 0),
    handlers: plays.reduce((n, p) => n + p.handlers.length, 0),
    roles: [...new Set(plays.flatMap((p) => p.roles.map((r) => r.name)))],
    hosts,
    warnings,
  };
}

/** A play whose pattern matches no host is skipped at run time (as in Ansible): say so now. */
function playHosts(playbook: Playbook, inventory: Inventory): string[] {
  return playbook.plays.flatMap((play) => {
    try {
      return selectHosts(inventory, play.hosts, {what: `play '${play.name}'`}).length ? [] : [`play '${play.name}': '${play.hosts}' matches no host`];
    } catch (e) {
      return [`play '${play.name}': ${(e as Error).message}${(e as PxeError).hint ? ` (${(e as PxeError).hint})` : ''}`];
    }
  });
}

/** template/copy src: the file exists (role templates/ or files/ first, then the playbook dir) and a template parses. */
function checkSources(task: Task, playbook: Playbook): PxeError[] {
  if (task.module !== 'template' && task.module !== 'copy') return [];
  const args = task.args as {src?: unknown; remote_src?: unknown};
  if (typeof args.src !== 'string' || hasTemplate(args.src) || args.remote_src === true) return [];
  const sub = task.module === 'template' ? 'templates' : 'files';
  const play = playbook.plays.find((p) => p.tasks.includes(task) || p.handlers.includes(task));
  const candidates = isAbsolute(args.src)
    ? [args.src]
    : [...(task.role ? [join(task.role.dir, sub, args.src), join(task.role.dir, args.src)] : []), join(play?.baseDir ?? '.', sub, args.src), join(play?.baseDir ?? '.', args.src)];
  const found = candidates.find((c) => existsSync(c));
  if (!found) {
    return [
      new PxeError('E_FILE_NOT_FOUND', `${task.module} src '${args.src}' does not exist`, {
        where: {...task.pos, task: task.name},
        expected: `one of: ${candidates.join(', ')}`,
        hint: task.role ? `put it in ${join(task.role.dir, sub)}/` : `put it in ${sub}/ beside the playbook`,
      }),
    ];
  }
  if (task.module !== 'template') return [];
  // A template whose text parsed before is not parsed again (nor nunjucks loaded for it).
  const text = readText(found, 'template');
  const key = cacheKey('template-syntax', text);
  if (cacheRead('templates', key) !== undefined) return [];
  const problem = checkTemplateSyntax(text, {file: found});
  if (!problem) cacheWrite('templates', key, 'ok');
  return problem ? [problem] : [];
}
