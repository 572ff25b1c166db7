/**
 * ConnectionSpec: how to reach one host, and its mapping from Ansible's connection variables.
 */
import {PxeError} from '../errors.js';

export interface ConnectionSpec {
  /** The inventory name: named in every error; also the ssh config alias when `host` is unset. */
  name: string;
  /** Address or ssh config alias (ansible_host). */
  host?: string;
  port?: number;
  user?: string;
  password?: string;
  /** Private key file (ansible_ssh_private_key_file, -i); default: ssh config, then ~/.ssh/id_{ed25519,ecdsa,rsa}. */
  privateKeyFile?: string;
  /** Default ~/.ssh/known_hosts. */
  knownHostsFile?: string;
  /** False turns host key checking off (lab only). Default true. */
  hostKeyChecking?: boolean;
  /** "[user@]host[:port]", comma-separated for a chain. */
  proxyJump?: string;
  become?: boolean;
  /** Default root. */
  becomeUser?: string;
  becomePassword?: string;
  /** Seconds; default 10. */
  connectTimeout?: number;
  /** Seconds without progress before a request fails; default 300. */
  requestTimeout?: number;
  /** The shell that runs the agent, as words: 'sh' (default), '/bin/dash', 'bash --posix', 'busybox sh'. */
  shell?: string;
  /** Default: env PXEPROV_SSH_CONFIG, then ~/.ssh/config. */
  sshConfigFile?: string;
}

/** Split a command line like a POSIX shell does for words: quotes and backslashes, no expansions. */
export function splitShellWords(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new Error('unterminated single quote');
      word += line.slice(i + 1, end);
      i = end;
      inWord = true;
    } else if (c === '"') {
      i++;
      while (i < line.length && line[i] !== '"') {
        if (line[i] === '\\' && i + 1 < line.length && '"\\$`'.includes(line[i + 1]!)) i++;
        word += line[i++];
      }
      if (i >= line.length) throw new Error('unterminated double quote');
      inWord = true;
    } else if (c === '\\' && i + 1 < line.length) {
      word += line[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

export interface SshArgs {
  strictHostKeyChecking?: boolean;
  userKnownHostsFile?: string;
  proxyJump?: string;
  port?: number;
  user?: string;
  identityFile?: string;
  connectTimeout?: number;
}

const YES = new Set(['yes', 'true', 'on', '1']);
const NO = new Set(['no', 'false', 'off', '0']);

function applyOption(out: SshArgs, option: string): void {
  const m = /^\s*([A-Za-z]+)\s*[= ]\s*(.*?)\s*$/.exec(option);
  if (!m) throw new Error(`-o ${option}: expected Key=Value`);
  const [key, value] = [m[1]!.toLowerCase(), m[2]!];
  if (key === 'stricthostkeychecking') out.strictHostKeyChecking = !NO.has(value.toLowerCase());
  else if (key === 'userknownhostsfile') out.userKnownHostsFile = value.split(/\s+/)[0];
  else if (key === 'proxyjump') out.proxyJump = value;
  else if (key === 'port') out.port = Number(value);
  else if (key === 'user') out.user = value;
  else if (key === 'identityfile') out.identityFile = value;
  else if (key === 'connecttimeout') out.connectTimeout = Number(value);
}

/** The options of ansible_ssh_common_args that pxeprov honours; others are ignored. */
export function parseSshCommonArgs(args: string): SshArgs {
  const out: SshArgs = {};
  const words = splitShellWords(args);
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const flag = /^-([oJpil])(.*)$/.exec(w);
    if (!flag) continue;
    const value = flag[2] || words[++i];
    if (value === undefined) throw new Error(`${w} needs a value`);
    if (flag[1] === 'o') applyOption(out, value);
    else if (flag[1] === 'J') out.proxyJump = value;
    else if (flag[1] === 'p') out.port = Number(value);
    else if (flag[1] === 'i') out.identityFile = value;
    else out.user = value;
  }
  return out;
}

function str(vars: Record<string, unknown>, key: string): string | undefined {
  const v = vars[key];
  return v === undefined || v === null || v === '' ? undefined : String(v);
}

function num(vars: Record<string, unknown>, key: string, host: string): number | undefined {
  const v = str(vars, key);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) {
    throw new PxeError('E_CONNECT', `${key} must be a positive number, got ${JSON.stringify(v)}`, {where: {host}});
  }
  return n;
}

function bool(vars: Record<string, unknown>, key: string, host: string): boolean | undefined {
  const v = vars[key];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'boolean') return v;
  const s = String(v).toLowerCase();
  if (YES.has(s)) return true;
  if (NO.has(s)) return false;
  throw new PxeError('E_CONNECT', `${key} must be true or false, got ${JSON.stringify(v)}`, {where: {host}});
}

/** Ansible's connection variables (plus pxeprov_*) into a ConnectionSpec. Explicit variables win over common args. */
export function connectionSpecFromVars(hostName: string, vars: Record<string, unknown>): ConnectionSpec {
  let common: SshArgs = {};
  const commonArgs = str(vars, 'ansible_ssh_common_args');
  if (commonArgs) {
    try {
      common = parseSshCommonArgs(commonArgs);
    } catch (error) {
      throw new PxeError('E_CONNECT', `ansible_ssh_common_args: ${(error as Error).message}`, {where: {host: hostName}});
    }
  }
  const spec: ConnectionSpec = {
    name: hostName,
    host: str(vars, 'ansible_host'),
    port: num(vars, 'ansible_port', hostName) ?? common.port,
    user: str(vars, 'ansible_user') ?? common.user,
    password: str(vars, 'ansible_password') ?? str(vars, 'ansible_ssh_pass'),
    privateKeyFile: str(vars, 'ansible_ssh_private_key_file') ?? common.identityFile,
    knownHostsFile: str(vars, 'pxeprov_known_hosts') ?? common.userKnownHostsFile,
    hostKeyChecking: bool(vars, 'pxeprov_host_key_checking', hostName) ?? common.strictHostKeyChecking,
    proxyJump: common.proxyJump,
    become: bool(vars, 'ansible_become', hostName),
    becomeUser: str(vars, 'ansible_become_user'),
    becomePassword: str(vars, 'ansible_become_password') ?? str(vars, 'ansible_become_pass'),
    connectTimeout: num(vars, 'pxeprov_connect_timeout', hostName) ?? common.connectTimeout,
    requestTimeout: num(vars, 'pxeprov_request_timeout', hostName),
    shell: str(vars, 'pxeprov_agent_shell'),
  };
  return Object.fromEntries(Object.entries(spec).filter(([, v]) => v !== undefined)) as unknown as ConnectionSpec;
}
