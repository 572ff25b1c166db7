/**
 * `pxeprov validate`: load the inventory, the playbook, its roles and every task's arguments, check the
 * play host patterns, --limit, -e and the control-side files tasks name (template/copy src), connecting to
 * nothing. Every error of every input is reported at once.
 */
import {existsSync, statSync} from 'node:fs';
import {isAbsolute, join} from 'node:path';
import {collectErrors, PxeError, PxeErrors, type Where} from '../errors.js';
import {cacheKey, cacheRead, cacheWrite} from './cache.js';
import {checkConnectionVars, checkPlayConnectionVars} from './connection-checks.js';
import {checkRenderedConnectionVars} from './connection-vars.js';
import {parseExtraVars} from './extra-vars.js';
import {selectHosts} from './host-pattern.js';
import {loadInventory} from './inventory.js';
import type {Inputs, Inventory, Play, Playbook, RoleRef, Task, Vars} from './model.js';
import {loadPlaybook, playTargets, type PlayTarget} from './playbook.js';
import {hasTemplate} from './template.js';
import {kindOf, readText} from './text-file.js';
import {checkPxeVars, playHostsReached, varSources, type HostsReached} from './pxe-vars.js';
import {checkTemplateStrings, templateStrings, templateSyntaxError, type TemplateString} from './template-check.js';
import {isVaultText} from '../vault/format.js';
import {decryptVaultFile} from '../vault/keyring.js';

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

/** Enough to connect: the inventory and -e with the connection variables of the hosts a run reaches checked, and the plays' hosts. */
export interface ConnectInputs {
  inventory: Inventory;
  extraVars: Vars;
  plays: PlayTarget[];
}

/** Load every input once, reporting every error of every input together (PxeErrors). */
export function loadInputs(options: ValidateOptions): Inputs {
  const stages = loadStages(options);
  for (;;) {
    const stage = stages.next();
    if (stage.done) return stage.value;
  }
}

/**
 * loadInputs, letting the event loop turn between its stages; `connectable` is called as soon as the hosts
 * of the plays and their connection variables are known and nothing was found wrong so far (before the
 * roles load when the playbook is a plain list of plays, else once it is loaded), so that connections
 * opened then make progress while the rest is loaded and checked.
 */
export async function loadInputsStaged(
  options: ValidateOptions,
  connectable: (inputs: ConnectInputs) => void,
): Promise<Inputs> {
  const stages = loadStages(options);
  for (;;) {
    const stage = stages.next();
    if (stage.done) return stage.value;
    if (stage.value) connectable(stage.value);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * The stages of loadInputs: what connecting needs when it is valid (ConnectInputs), before the playbook's
 * roles load and again once they did; then a pause between the checks. Errors keep the order of the inputs.
 */
function* loadStages(options: ValidateOptions): Generator<ConnectInputs | undefined, Inputs> {
  const errors: PxeError[] = [];
  const extraVars = collectErrors(errors, () => parseExtraVars(options.extraVars)) ?? {};
  const inventory = collectErrors(errors, () => loadInventory(options.inventory));
  const warnings: string[] = [...(inventory?.warnings ?? [])];
  const connection: PxeError[] = [];
  // -e wins over the inventory for the connection too.
  checkConnectionVars(extraVars, {label: '-e', at: () => undefined}, connection, warnings);
  const limited =
    inventory && options.limit
      ? (collectErrors(connection, () => selectHosts(inventory, options.limit!)) ?? [])
      : undefined;
  const hosts = limited?.length ?? inventory?.hosts.size ?? 0;
  if (inventory)
    connection.push(...checkRenderedConnectionVars(inventory, extraVars, limited ?? inventory.hosts.keys()));
  const plays = !errors.length && !connection.length ? playTargets(options.playbook) : undefined;
  if (inventory && plays) yield {inventory, extraVars, plays};
  const playbook = collectErrors(errors, () =>
    loadPlaybook(options.playbook, {extraVars, rolesPath: options.rolesPath}),
  );
  errors.push(...connection);
  if (inventory && playbook && !errors.length) yield {inventory, extraVars, plays: playbook.plays};
  if (playbook) {
    for (const task of playbook.plays.flatMap((p) => [...p.tasks, ...p.handlers]))
      errors.push(...checkSources(task, playbook));
    for (const play of playbook.plays) checkPlayConnectionVars(play, errors, warnings);
    if (inventory) warnings.push(...playHosts(playbook, inventory));
    yield;
    // Only the hosts a run would reach (--limit): a host left out does not stop the others.
    const reached = {
      inventory: inventory!,
      extraVarFiles: extraVarFiles(options.extraVars),
      only: limited && new Set(limited),
    };
    if (inventory) errors.push(...checkTemplateStrings(templateInputs(playbook, reached)));
    yield;
    if (inventory && !errors.length) errors.push(...checkPxeVars(playbook, reached, extraVars));
  }
  if (errors.length) throw new PxeErrors(errors);
  return {inventory: inventory!, playbook: playbook!, extraVars, hosts, warnings};
}

/** Every string with template syntax a run would render: task arguments, play, role and inventory variables. */
function templateInputs(playbook: Playbook, {inventory, extraVarFiles, only}: HostsReached): TemplateString[] {
  const strings: TemplateString[] = [];
  const variables = (vars: Vars, files: () => string[], from: number, where: Where) => {
    for (const [name, value] of Object.entries(vars))
      strings.push(...templateStrings(value, {files, from, where, label: `variable '${name}'`}));
  };
  const roles = new Map<string, RoleRef>();
  for (const play of playbook.plays) {
    for (const task of [...play.tasks, ...play.handlers]) {
      strings.push(
        ...templateStrings(
          {args: task.args, loop: task.loop, vars: task.vars},
          {files: () => [task.pos.file], from: task.pos.line, where: {task: task.name}},
        ),
      );
    }
    variables(play.vars, () => [play.pos.file], play.pos.line, {});
    for (const role of play.roles) roles.set(role.dir, role);
    for (const host of playHostsReached(play, {inventory, extraVarFiles, only})) {
      variables(inventory.hosts.get(host)?.vars ?? {}, () => varSources(play, host, inventory, extraVarFiles), 1, {
        host,
      });
    }
  }
  for (const role of roles.values()) {
    variables(role.defaults, () => ['main.yaml', 'main.yml'].map((f) => join(role.dir, 'defaults', f)), 1, {});
    variables(role.vars, () => ['main.yaml', 'main.yml'].map((f) => join(role.dir, 'vars', f)), 1, {});
  }
  return strings;
}

/** The files of `-e @file.yaml` values. */
function extraVarFiles(values: string[] = []): string[] {
  return values.filter((v) => v.startsWith('@')).map((v) => v.slice(1));
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

/** Ansible's warning for a play whose hosts: matches no host of the inventory (the play is skipped). */
export function unmatchedPlay(play: Play): string {
  return `Could not match supplied host pattern, ignoring: ${play.hosts} (play '${play.name}', ${play.pos.file}:${play.pos.line})`;
}

/** A play whose pattern matches no host is skipped at run time (as in Ansible): say so now. */
function playHosts(playbook: Playbook, inventory: Inventory): string[] {
  return playbook.plays.flatMap((play) => {
    try {
      return selectHosts(inventory, play.hosts, {strict: false, what: `play '${play.name}'`}).length
        ? []
        : [unmatchedPlay(play)];
    } catch (e) {
      return [
        `play '${play.name}': ${(e as Error).message}${(e as PxeError).hint ? ` (${(e as PxeError).hint})` : ''}`,
      ];
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
    : [
        ...(task.role ? [join(task.role.dir, sub, args.src), join(task.role.dir, args.src)] : []),
        join(play?.baseDir ?? '.', sub, args.src),
        join(play?.baseDir ?? '.', args.src),
      ];
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
  const stats = statSync(found);
  if (!stats.isFile()) {
    return [
      new PxeError('E_MODULE_ARGS', `${task.module} src '${args.src}' is ${kindOf(stats)} (${found})`, {
        where: {...task.pos, task: task.name},
        expected: `a file: ${task.module} copies one file`,
        hint:
          task.module === 'copy'
            ? "copy each file of it with a loop (loop: \"{{ query('fileglob', 'dir/*') }}\"), or name one file"
            : 'name the template file itself',
      }),
    ];
  }
  if (task.module !== 'template') return [];
  const stored = readText(found, 'template', 'E_TEMPLATE');
  if (isVaultText(stored)) {
    // Decrypted now so that a missing or wrong password shows here; never cached.
    const problems: PxeError[] = [];
    const text = collectErrors(problems, () => decryptVaultFile(stored, {file: found}));
    const problem = text === undefined ? undefined : templateSyntaxError(text, {file: found});
    return problem ? [...problems, problem] : problems;
  }
  // A template whose text parsed before is not parsed again (nor nunjucks loaded for it).
  const text = stored;
  const key = cacheKey('template-syntax', text);
  if (cacheRead('templates', key) !== undefined) return [];
  const problem = templateSyntaxError(text, {file: found});
  if (!problem) cacheWrite('templates', key, 'ok');
  return problem ? [problem] : [];
}
