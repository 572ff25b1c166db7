/**
 * ansible.cfg, found and read as Ansible does: $ANSIBLE_CONFIG (a file, or a directory holding ansible.cfg),
 * ./ansible.cfg (not in a world-writable directory), ~/.ansible.cfg, /etc/ansible/ansible.cfg; the first
 * that exists is the only one read. The syntax is Python's configparser as Ansible sets it up: `key = value`
 * or `key: value`, whole-line comments with # or ;, inline comments after " ;", indented continuation lines.
 */
import {readFileSync, statSync} from 'node:fs';
import {homedir} from 'node:os';
import {dirname, isAbsolute, join, resolve} from 'node:path';
import {PxeError, PxeErrors} from '../errors.js';

export interface CfgEntry {
  value: string;
  line: number;
}

export interface AnsibleCfg {
  file: string;
  /** section → key (lower case) → value and the line it starts on. */
  sections: Map<string, Map<string, CfgEntry>>;
}

export interface FindCfgOptions {
  env: Record<string, string | undefined>;
  cwd: string;
  home?: string;
}

export interface FoundCfg {
  /** The file to read, if any. */
  file?: string;
  /** Why a candidate was passed over (a world-writable working directory). */
  warnings: string[];
}

function statOf(path: string) {
  try {
    return statSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR')
      return undefined;
    throw new PxeError('E_ANSIBLE_CFG', `cannot read ${path}: ${(error as Error).message}`, {where: {file: path}});
  }
}

/** The ansible.cfg in effect, in Ansible's order. $ANSIBLE_CONFIG naming nothing is an error, not a fallback. */
export function findAnsibleCfg(options: FindCfgOptions): FoundCfg {
  const warnings: string[] = [];
  const fromEnv = options.env.ANSIBLE_CONFIG;
  if (fromEnv) {
    let file = resolve(options.cwd, expandPath(fromEnv, options.env, options.home));
    if (statOf(file)?.isDirectory()) file = join(file, 'ansible.cfg');
    if (!statOf(file)?.isFile()) {
      throw new PxeError('E_ANSIBLE_CFG', `ANSIBLE_CONFIG names ${file}, which does not exist`, {
        hint: 'unset ANSIBLE_CONFIG or point it at an ansible.cfg file',
      });
    }
    return {file, warnings};
  }
  const local = join(options.cwd, 'ansible.cfg');
  if (statOf(local)?.isFile()) {
    // As Ansible: a config in a directory anyone can write could be planted there; it is not read.
    if (((statOf(options.cwd)?.mode ?? 0) & 0o002) === 0) return {file: local, warnings};
    warnings.push(`${local} is ignored: its directory ${options.cwd} is world writable (as Ansible does)`);
  }
  for (const file of [join(options.home ?? homedir(), '.ansible.cfg'), '/etc/ansible/ansible.cfg']) {
    if (statOf(file)?.isFile()) return {file, warnings};
  }
  return {warnings};
}

/** ~ and $VAR / ${VAR} expanded, as Ansible's path settings are. */
export function expandPath(path: string, env: Record<string, string | undefined>, home = homedir()): string {
  const tilde = path === '~' || path.startsWith('~/') ? home + path.slice(1) : path;
  return tilde.replace(
    /\$(\w+)|\$\{(\w+)\}/g,
    (whole, a: string | undefined, b: string | undefined) => env[(a ?? b)!] ?? whole,
  );
}

/** A path setting of the file: relative to the file's directory, as Ansible resolves them. */
export function cfgPath(
  cfg: AnsibleCfg,
  value: string,
  env: Record<string, string | undefined>,
  home?: string,
): string {
  const expanded = expandPath(value, env, home);
  return isAbsolute(expanded) ? expanded : resolve(dirname(cfg.file), expanded);
}

export function parseAnsibleCfg(file: string, text: string): AnsibleCfg {
  const sections = new Map<string, Map<string, CfgEntry>>();
  const errors: PxeError[] = [];
  let section: Map<string, CfgEntry> | undefined;
  let last: CfgEntry | undefined;
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const where = {file, line, col: 1};
    if (/^\s*([#;].*)?$/.test(raw)) {
      // A blank line ends a value's continuation; a comment line inside one does not.
      if (raw.trim() === '') last = undefined;
      return;
    }
    const content = raw.replace(/\s;.*$/, '');
    if (/^\s/.test(raw) && last) {
      last.value = `${last.value}\n${content.trim()}`;
      return;
    }
    last = undefined;
    const header = /^\[([^\]]+)\]\s*$/.exec(content);
    if (header) {
      const name = header[1]!.trim();
      if (sections.has(name))
        errors.push(
          new PxeError('E_ANSIBLE_CFG', `section [${name}] appears twice`, {where, hint: 'merge the two sections'}),
        );
      section = sections.get(name) ?? new Map();
      sections.set(name, section);
      return;
    }
    const pair = /^([^=:\s][^=:]*?)\s*[=:]\s*(.*)$/.exec(content);
    if (!pair) {
      errors.push(
        new PxeError('E_ANSIBLE_CFG', `cannot read this line: ${raw.trim()}`, {
          where,
          expected: 'key = value, or a [section] header',
        }),
      );
      return;
    }
    if (!section) {
      errors.push(
        new PxeError('E_ANSIBLE_CFG', `'${pair[1]}' comes before any [section]`, {
          where,
          hint: 'put it under [defaults]',
        }),
      );
      return;
    }
    const key = pair[1]!.toLowerCase();
    if (section.has(key))
      errors.push(
        new PxeError('E_ANSIBLE_CFG', `'${key}' is set twice in its section`, {
          where,
          hint: `the first one is on line ${section.get(key)!.line}`,
        }),
      );
    if (pair[2]!.replaceAll('%%', '').includes('%')) {
      errors.push(
        new PxeError('E_ANSIBLE_CFG', `'${key}': %-interpolation is not supported`, {
          where,
          hint: 'write the value out, or %% for a literal %',
        }),
      );
    }
    last = {value: pair[2]!.replaceAll('%%', '%').trim(), line};
    section.set(key, last);
  });
  if (errors.length) throw new PxeErrors(errors);
  return {file, sections};
}

export function readAnsibleCfg(file: string): AnsibleCfg {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new PxeError('E_ANSIBLE_CFG', `cannot read ${file}: ${(error as Error).message}`, {where: {file}});
  }
  return parseAnsibleCfg(file, text);
}
