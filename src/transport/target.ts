/**
 * A ConnectionSpec completed from ~/.ssh/config (HostName, User, Port, IdentityFile, ProxyJump,
 * StrictHostKeyChecking, UserKnownHostsFile, GlobalKnownHostsFile, HashKnownHosts; Include expanded) and OpenSSH's
 * defaults. Explicit spec values win over the ssh config, as with `ssh -o`.
 */
import {existsSync, readdirSync, readFileSync} from 'node:fs';
import {homedir, userInfo} from 'node:os';
import {isAbsolute, join} from 'node:path';
import SSHConfig from 'ssh-config';
import {globRegExp} from '../config/fnmatch.js';
import {PxeError} from '../errors.js';
import {parseStrictHostKeyChecking, splitShellWords} from './spec.js';
import type {ConnectionSpec, HostKeyChecking} from './spec.js';

export interface Target {
  name: string;
  /** What the ssh config was looked up with; also the known_hosts name when HostName is not set. */
  alias: string;
  host: string;
  port: number;
  user: string;
  keyFiles: string[];
  /** Key files named explicitly (spec or ssh config): a missing one is an error, not skipped. */
  explicitKeys: boolean;
  proxyJump?: string;
  /** UserKnownHostsFile: read, and the first one is where accept-new records a key. */
  knownHostsFiles: string[];
  /** GlobalKnownHostsFile: read only. */
  globalKnownHostsFiles: string[];
  hostKeyChecking: HostKeyChecking;
  /** HashKnownHosts: record new keys under a hashed name. */
  hashKnownHosts: boolean;
  connectTimeoutMs: number;
}

export function expandHome(path: string): string {
  return path === '~' || path.startsWith('~/') ? join(homedir(), path.slice(1)) : path;
}

export function sshConfigPath(spec: Pick<ConnectionSpec, 'sshConfigFile'>): string {
  return expandHome(spec.sshConfigFile ?? process.env.PXEPROV_SSH_CONFIG ?? '~/.ssh/config');
}

/** OpenSSH's limit on nested Include. */
const MAX_INCLUDE_DEPTH = 16;

/** The files a glob names, sorted like glob(3); a pattern that matches nothing names none. */
export function globFiles(pattern: string): string[] {
  let paths = [pattern.startsWith('/') ? '/' : '.'];
  for (const part of pattern.split('/').filter(Boolean)) {
    if (!/[*?[]/.test(part)) {
      paths = paths.map((p) => join(p, part));
      continue;
    }
    const re = globRegExp(part);
    paths = paths.flatMap((dir) => {
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'ENOTDIR') return []; // nothing there: the pattern matches nothing
        throw new PxeError(
          'E_CONNECT',
          `ssh config Include ${pattern}: cannot list ${dir}: ${(error as Error).message}`,
          {cause: error},
        );
      }
      return names
        .filter((n) => re.test(n) && (part.startsWith('.') || !n.startsWith('.')))
        .sort()
        .map((n) => join(dir, n));
    });
  }
  return paths.filter((p) => existsSync(p));
}

const INCLUDE = /^\s*include(?:\s*=\s*|\s+)(.*)$/i;
const BLOCK = /^\s*(host|match)(\s*=\s*|\s+)/i;

/**
 * The text of an ssh config with every `Include` replaced by the files it names, as OpenSSH reads them:
 * globs, `~`, relative paths under ~/.ssh, nested up to 16 deep. A Host or Match line inside an included
 * file ends where the included file ends: the enclosing block's header is repeated after it.
 */
export function sshConfigText(path: string, depth = 0): string {
  if (depth > MAX_INCLUDE_DEPTH) {
    throw new PxeError('E_CONNECT', `ssh config ${path}: Include nested more than ${MAX_INCLUDE_DEPTH} deep`, {
      hint: 'an Include probably includes itself',
    });
  }
  const out: string[] = [];
  let header: string | undefined;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new PxeError('E_CONNECT', `cannot read the ssh config ${path}: ${(error as Error).message}`, {cause: error});
  }
  for (const line of text.split('\n')) {
    if (BLOCK.test(line)) header = line;
    const include = INCLUDE.exec(line);
    if (!include) {
      out.push(line);
      continue;
    }
    for (const word of splitShellWords(include[1]!.replace(/\s+#.*$/, ''))) {
      const pattern = expandHome(word);
      for (const file of globFiles(isAbsolute(pattern) ? pattern : join(homedir(), '.ssh', pattern))) {
        const included = sshConfigText(file, depth + 1);
        out.push(included);
        if (included.split('\n').some((l) => BLOCK.test(l))) out.push(header ?? 'Host *');
      }
    }
  }
  return out.join('\n');
}

/** The ssh config's settings for `alias` (directive names lower-cased). */
export function lookupSshConfig(path: string, alias: string): Record<string, string | string[]> {
  if (!existsSync(path)) return {};
  return SSHConfig.parse(sshConfigText(path)).compute(alias, {ignoreCase: true, matchExec: false});
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** A file list as OpenSSH takes it: space separated (quotes allowed; the ssh config parser already split it), ~ expanded. */
function fileList(value: string | string[]): string[] {
  return (Array.isArray(value) ? value : splitShellWords(value)).map(expandHome);
}

const USER_KNOWN_HOSTS = '~/.ssh/known_hosts ~/.ssh/known_hosts2';
const GLOBAL_KNOWN_HOSTS = '/etc/ssh/ssh_known_hosts /etc/ssh/ssh_known_hosts2';

const DEFAULT_KEYS = ['~/.ssh/id_ed25519', '~/.ssh/id_ecdsa', '~/.ssh/id_rsa'];

export function resolveTarget(spec: ConnectionSpec): Target {
  const alias = spec.host ?? spec.name;
  let cfg: Record<string, string | string[]>;
  try {
    cfg = lookupSshConfig(sshConfigPath(spec), alias);
  } catch (error) {
    if (!(error instanceof PxeError)) throw error;
    throw new PxeError(error.code, error.message, {where: {host: spec.name}, hint: error.hint, cause: error});
  }
  const identity = cfg.identityfile === undefined ? [] : ([] as string[]).concat(cfg.identityfile);
  const explicitKeys = spec.privateKeyFile !== undefined || identity.length > 0;
  const keyFiles = (spec.privateKeyFile ? [spec.privateKeyFile] : identity.length ? identity : DEFAULT_KEYS).map(
    expandHome,
  );
  const port = spec.port ?? Number(first(cfg.port) ?? 22);
  const proxyJump = spec.proxyJump ?? first(cfg.proxyjump);
  return {
    name: spec.name,
    alias,
    host: first(cfg.hostname) ?? alias,
    port,
    user: spec.user ?? first(cfg.user) ?? userInfo().username,
    keyFiles: explicitKeys ? keyFiles : keyFiles.filter((f) => existsSync(f)),
    explicitKeys,
    proxyJump: proxyJump && proxyJump.toLowerCase() !== 'none' ? proxyJump : undefined,
    knownHostsFiles: fileList(spec.knownHostsFile ?? cfg.userknownhostsfile ?? USER_KNOWN_HOSTS),
    globalKnownHostsFiles: fileList(spec.globalKnownHostsFile ?? cfg.globalknownhostsfile ?? GLOBAL_KNOWN_HOSTS),
    hostKeyChecking: spec.hostKeyChecking ?? strictFromConfig(first(cfg.stricthostkeychecking), spec.name),
    hashKnownHosts: first(cfg.hashknownhosts)?.toLowerCase() === 'yes',
    connectTimeoutMs: (spec.connectTimeout ?? 10) * 1000,
  };
}

function strictFromConfig(value: string | undefined, host: string): HostKeyChecking {
  if (value === undefined) return true;
  try {
    return parseStrictHostKeyChecking(value);
  } catch (error) {
    throw new PxeError('E_CONNECT', `ssh config: ${(error as Error).message}`, {where: {host}});
  }
}

/** "[user@]host[:port]" of a ProxyJump hop, as a spec of its own (resolved through the ssh config too). */
export function jumpSpec(hop: string, from: ConnectionSpec): ConnectionSpec {
  const m = /^(?:([^@]+)@)?(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(hop.trim());
  if (!m) throw new Error(`bad ProxyJump hop ${JSON.stringify(hop)}`);
  const spec: ConnectionSpec = {
    name: from.name,
    host: m[2]!.replace(/^\[(.*)\]$/, '$1'),
    knownHostsFile: from.knownHostsFile,
    globalKnownHostsFile: from.globalKnownHostsFile,
    hostKeyChecking: from.hostKeyChecking,
    connectTimeout: from.connectTimeout,
    sshConfigFile: from.sshConfigFile,
    proxyJump: 'none',
  };
  if (m[1]) spec.user = m[1];
  if (m[3]) spec.port = Number(m[3]);
  return spec;
}
