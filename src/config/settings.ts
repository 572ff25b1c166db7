/**
 * The run settings an Ansible user sets outside the inventory, with Ansible's precedence:
 * command-line flag > environment (PXEPROV_*, then ANSIBLE_*) > ansible.cfg [defaults] > built-in default.
 * A key or an ANSIBLE_* variable that pxeprov does not use is named in a warning, never silently dropped.
 */
import {resolve} from 'node:path';
import {PxeError, PxeErrors} from '../errors.js';
import {cfgPath, expandPath, findAnsibleCfg, readAnsibleCfg, type AnsibleCfg} from './ansible-cfg.js';

/** What the command line gave (undefined: not given). Paths as typed, relative to the working directory. */
export interface CliSettings {
  inventory?: string;
  forks?: number;
  remoteUser?: string;
  privateKeyFile?: string;
  vaultPasswordFiles?: string[];
}

export interface Settings {
  /** Absent when nothing names one: the commands that need it stop with a usage error. */
  inventory?: string;
  forks: number;
  remoteUser?: string;
  privateKeyFile?: string;
  hostKeyChecking?: boolean;
  /** Searched after the playbook's roles/ and before the roles shipped with pxeprov. */
  rolesPath: string[];
  vaultPasswordFiles: string[];
  /** Seconds to wait for a connection. */
  timeout?: number;
  /** The ansible.cfg read, if any. */
  configFile?: string;
  warnings: string[];
}

/** The [defaults] keys pxeprov uses and their ANSIBLE_* variables. */
const KEYS = {
  inventory: 'ANSIBLE_INVENTORY',
  forks: 'ANSIBLE_FORKS',
  remote_user: 'ANSIBLE_REMOTE_USER',
  private_key_file: 'ANSIBLE_PRIVATE_KEY_FILE',
  host_key_checking: 'ANSIBLE_HOST_KEY_CHECKING',
  roles_path: 'ANSIBLE_ROLES_PATH',
  vault_password_file: 'ANSIBLE_VAULT_PASSWORD_FILE',
  timeout: 'ANSIBLE_TIMEOUT',
} as const;
type Key = keyof typeof KEYS;

/** ANSIBLE_* variables read elsewhere, not settings of this table. */
const OTHER_ENV = new Set(['ANSIBLE_CONFIG']);

const TRUE = new Set(['y', 'yes', 'on', '1', 'true', 't']);
const FALSE = new Set(['n', 'no', 'off', '0', 'false', 'f']);

export interface ResolveOptions {
  env: Record<string, string | undefined>;
  cwd: string;
  home?: string;
  /** The parsed ansible.cfg (tests pass one; loadSettings finds and reads it). */
  cfg?: AnsibleCfg;
}

interface Raw {
  value: string;
  /** The ANSIBLE_* variable it came from, or its line in ansible.cfg. */
  origin: {variable: string} | {file: string; line: number};
  /** Relative paths resolve here: the cfg file's directory, or the working directory. */
  base: (path: string) => string;
}

export function resolveSettings(cli: CliSettings, options: ResolveOptions): Settings {
  const {env, cwd, cfg, home} = options;
  const errors: PxeError[] = [];
  const warnings: string[] = [];
  const defaults = cfg?.sections.get('defaults');
  if (cfg) {
    for (const [section, keys] of cfg.sections) {
      for (const [key, entry] of keys) {
        if (section !== 'defaults' || !(key in KEYS))
          warnings.push(`${cfg.file}:${entry.line}: [${section}] ${key} is not used by pxeprov`);
      }
    }
  }
  for (const name of Object.keys(env).sort()) {
    if (
      name.startsWith('ANSIBLE_') &&
      env[name] !== undefined &&
      !OTHER_ENV.has(name) &&
      !Object.values<string>(KEYS).includes(name)
    ) {
      warnings.push(`environment variable ${name} is not used by pxeprov`);
    }
  }
  const fromCwd = (path: string) => resolve(cwd, expandPath(path, env, home));
  const raw = (key: Key): Raw | undefined => {
    const name = KEYS[key];
    const fromEnv = env[name];
    if (fromEnv !== undefined && fromEnv !== '') return {value: fromEnv, origin: {variable: name}, base: fromCwd};
    const entry = defaults?.get(key);
    if (entry && cfg)
      return {
        value: entry.value,
        origin: {file: cfg.file, line: entry.line},
        base: (path) => cfgPath(cfg, path, env, home),
      };
    return undefined;
  };
  const bad = (r: Raw, key: Key, expected: string) => {
    const [what, where] = 'variable' in r.origin ? [r.origin.variable, {}] : [key, r.origin];
    errors.push(new PxeError('E_ANSIBLE_CFG', `${what} is ${JSON.stringify(r.value)}`, {where, expected}));
    return undefined;
  };
  const int = (key: Key): number | undefined => {
    const r = raw(key);
    if (!r) return undefined;
    return /^\d+$/.test(r.value.trim()) && Number(r.value) >= 1
      ? Number(r.value)
      : bad(r, key, 'a whole number of at least 1');
  };
  const bool = (key: Key): boolean | undefined => {
    const r = raw(key);
    if (!r) return undefined;
    const v = r.value.trim().toLowerCase();
    return TRUE.has(v) ? true : FALSE.has(v) ? false : bad(r, key, 'true or false (yes/no, on/off, 1/0)');
  };
  const str = (key: Key): string | undefined => raw(key)?.value.trim() || undefined;
  const path = (key: Key): string | undefined => {
    const r = raw(key);
    return r && r.value.trim() ? r.base(r.value.trim()) : undefined;
  };
  const list = (key: Key, separator: RegExp): string[] => {
    const r = raw(key);
    return r
      ? r.value
          .split(separator)
          .map((p) => p.trim())
          .filter(Boolean)
          .map(r.base)
      : [];
  };

  const inventory =
    cli.inventory !== undefined
      ? [cli.inventory]
      : env.PXEPROV_INVENTORY
        ? [env.PXEPROV_INVENTORY]
        : list('inventory', /,/);
  if (inventory.length > 1) {
    errors.push(
      new PxeError('E_USAGE', `more than one inventory given: ${inventory.join(', ')}`, {
        expected: 'one inventory file or directory',
        hint: 'put the inventories in one directory and give that directory',
      }),
    );
  }
  const vaultFile = path('vault_password_file');
  const settings: Settings = {
    inventory: inventory[0],
    forks: cli.forks ?? int('forks') ?? 5,
    remoteUser: cli.remoteUser ?? str('remote_user'),
    privateKeyFile: cli.privateKeyFile !== undefined ? fromCwd(cli.privateKeyFile) : path('private_key_file'),
    hostKeyChecking: bool('host_key_checking'),
    rolesPath: list('roles_path', /:/),
    vaultPasswordFiles: cli.vaultPasswordFiles?.length
      ? cli.vaultPasswordFiles.map(fromCwd)
      : vaultFile
        ? [vaultFile]
        : [],
    timeout: int('timeout'),
    configFile: cfg?.file,
    warnings,
  };
  if (errors.length) throw new PxeErrors(errors);
  return Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined)) as unknown as Settings;
}

/** Settings for this process: its environment, working directory and the ansible.cfg Ansible would read. */
export function loadSettings(
  cli: CliSettings,
  env: Record<string, string | undefined> = process.env,
  cwd = process.cwd(),
): Settings {
  const found = findAnsibleCfg({env, cwd});
  const settings = resolveSettings(cli, {env, cwd, cfg: found.file ? readAnsibleCfg(found.file) : undefined});
  return {...settings, warnings: [...found.warnings, ...settings.warnings]};
}

/** The connection variables these settings give, below every inventory variable (as in Ansible). */
export function connectionDefaults(settings: Settings): Record<string, unknown> {
  const vars: Record<string, unknown> = {
    ansible_user: settings.remoteUser,
    ansible_ssh_private_key_file: settings.privateKeyFile,
    pxeprov_host_key_checking: settings.hostKeyChecking,
    pxeprov_connect_timeout: settings.timeout,
  };
  return Object.fromEntries(Object.entries(vars).filter(([, v]) => v !== undefined));
}
