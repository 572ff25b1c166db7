/**
 * A ConnectionSpec completed from ~/.ssh/config (HostName, User, Port, IdentityFile, ProxyJump)
 * and defaults. Explicit spec values win over the ssh config, as with `ssh -o`.
 */
import {existsSync, readFileSync} from 'node:fs';
import {homedir, userInfo} from 'node:os';
import {join} from 'node:path';
import SSHConfig from 'ssh-config';
import type {ConnectionSpec} from './spec.js';

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
  knownHostsFile: string;
  hostKeyChecking: boolean;
  connectTimeoutMs: number;
}

export function expandHome(path: string): string {
  return path === '~' || path.startsWith('~/') ? join(homedir(), path.slice(1)) : path;
}

export function sshConfigPath(spec: Pick<ConnectionSpec, 'sshConfigFile'>): string {
  return expandHome(spec.sshConfigFile ?? process.env.PXEPROV_SSH_CONFIG ?? '~/.ssh/config');
}

/** The ssh config's settings for `alias` (directive names lower-cased). */
export function lookupSshConfig(path: string, alias: string): Record<string, string | string[]> {
  if (!existsSync(path)) return {};
  return SSHConfig.parse(readFileSync(path, 'utf8')).compute(alias, {ignoreCase: true, matchExec: false});
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

const DEFAULT_KEYS = ['~/.ssh/id_ed25519', '~/.ssh/id_ecdsa', '~/.ssh/id_rsa'];

export function resolveTarget(spec: ConnectionSpec): Target {
  const alias = spec.host ?? spec.name;
  const cfg = lookupSshConfig(sshConfigPath(spec), alias);
  const identity = cfg.identityfile === undefined ? [] : ([] as string[]).concat(cfg.identityfile);
  const explicitKeys = spec.privateKeyFile !== undefined || identity.length > 0;
  const keyFiles = (spec.privateKeyFile ? [spec.privateKeyFile] : identity.length ? identity : DEFAULT_KEYS).map(expandHome);
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
    knownHostsFile: expandHome(spec.knownHostsFile ?? '~/.ssh/known_hosts'),
    hostKeyChecking: spec.hostKeyChecking ?? true,
    connectTimeoutMs: (spec.connectTimeout ?? 10) * 1000,
  };
}

/** "[user@]host[:port]" of a ProxyJump hop, as a spec of its own (resolved through the ssh config too). */
export function jumpSpec(hop: string, from: ConnectionSpec): ConnectionSpec {
  const m = /^(?:([^@]+)@)?(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(hop.trim());
  if (!m) throw new Error(`bad ProxyJump hop ${JSON.stringify(hop)}`);
  const spec: ConnectionSpec = {
    name: from.name,
    host: m[2]!.replace(/^\[(.*)\]$/, '$1'),
    knownHostsFile: from.knownHostsFile,
    hostKeyChecking: from.hostKeyChecking,
    connectTimeout: from.connectTimeout,
    sshConfigFile: from.sshConfigFile,
    proxyJump: 'none',
  };
  if (m[1]) spec.user = m[1];
  if (m[3]) spec.port = Number(m[3]);
  return spec;
}
