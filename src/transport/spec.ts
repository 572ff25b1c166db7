/**
 * ConnectionSpec: how to reach one host, and its mapping from Ansible's connection variables.
 */
import {PxeError} from '../errors.js';
import {CONNECTION_TYPES, connectionVarProblem, parseFlag, type BecomeMethod} from './vars.js';

/** OpenSSH's StrictHostKeyChecking: true = yes (ask counts as yes: there is no one to ask), false = no. */
export type HostKeyChecking = boolean | 'accept-new';

export interface ConnectionSpec {
  /** The inventory name: named in every error; also the ssh config alias when `host` is unset. */
  name: string;
  /** 'ssh' (default), or 'local': the agent runs in a local shell, no SSH. */
  connection?: 'ssh' | 'local';
  /** Address or ssh config alias (ansible_host). */
  host?: string;
  port?: number;
  user?: string;
  password?: string;
  /** Private key file (ansible_ssh_private_key_file, -i); default: ssh config, then ~/.ssh/id_{ed25519,ecdsa,rsa}. */
  privateKeyFile?: string;
  /** OpenSSH's UserKnownHostsFile: one or more files, space separated, ~ expanded. Default: ssh config, then ~/.ssh/known_hosts ~/.ssh/known_hosts2. */
  knownHostsFile?: string;
  /** OpenSSH's GlobalKnownHostsFile. Default: ssh config, then /etc/ssh/ssh_known_hosts /etc/ssh/ssh_known_hosts2. */
  globalKnownHostsFile?: string;
  /** Default: ssh config, then true. */
  hostKeyChecking?: HostKeyChecking;
  /** "[user@]host[:port]", comma-separated for a chain. */
  proxyJump?: string;
  become?: boolean;
  /** Default sudo. */
  becomeMethod?: BecomeMethod;
  /** Default root. */
  becomeUser?: string;
  becomePassword?: string;
  /** Seconds for TCP + handshake + authentication; default 10. */
  connectTimeout?: number;
  /** Seconds the agent's start-up may go without a byte from it (control-side waits excluded); default 10. */
  agentTimeout?: number;
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
  strictHostKeyChecking?: HostKeyChecking;
  userKnownHostsFile?: string;
  globalKnownHostsFile?: string;
  proxyJump?: string;
  port?: number;
  user?: string;
  identityFile?: string;
  connectTimeout?: number;
  /** -F: another ssh config file. */
  sshConfigFile?: string;
  /** What pxeprov does not act on (ControlMaster, -C…), as written: validate reports it. */
  ignored?: string[];
}

/** OpenSSH's StrictHostKeyChecking values (ask: pxeprov has no one to ask, so it refuses like yes). */
export function parseStrictHostKeyChecking(value: string): HostKeyChecking {
  const v = value.toLowerCase();
  if (v === 'accept-new') return 'accept-new';
  if (v === 'ask') return true;
  const flag = parseFlag(v);
  if (flag === undefined) throw new Error(`StrictHostKeyChecking ${value}: expected yes, accept-new, no or ask`);
  return flag;
}

function applyOption(out: SshArgs, option: string): void {
  const m = /^\s*([A-Za-z]+)\s*[= ]\s*(.*?)\s*$/.exec(option);
  if (!m) throw new Error(`-o ${option}: expected Key=Value`);
  const [key, value] = [m[1]!.toLowerCase(), m[2]!];
  if (key === 'stricthostkeychecking') out.strictHostKeyChecking = parseStrictHostKeyChecking(value);
  else if (key === 'userknownhostsfile') out.userKnownHostsFile = value;
  else if (key === 'globalknownhostsfile') out.globalKnownHostsFile = value;
  else if (key === 'proxyjump') out.proxyJump = value;
  else if (key === 'port') out.port = positive(option, value);
  else if (key === 'user') out.user = value;
  else if (key === 'identityfile') out.identityFile = value;
  else if (key === 'connecttimeout') out.connectTimeout = positive(option, value);
  else if (key === 'proxycommand')
    throw new Error(
      `-o ${option}: ProxyCommand is not supported (the connection would not take that route); use ProxyJump`,
    );
  else (out.ignored ??= []).push(`-o ${option}`);
}

/** ssh(1)'s options that take a value. */
const VALUE_FLAGS = 'BbcDEeFIiJLlmOopQRSWw';

function positive(option: string, value: string): number {
  if (!/^\d+$/.test(value) || Number(value) === 0) throw new Error(`${option}: expected a positive number`);
  return Number(value);
}

/** The options of ansible_ssh_common_args: those pxeprov honours, and the others listed in `ignored`. */
export function parseSshCommonArgs(args: string): SshArgs {
  const out: SshArgs = {};
  const words = splitShellWords(args);
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const flag = /^-(.)(.*)$/.exec(w);
    if (!flag || !VALUE_FLAGS.includes(flag[1]!)) {
      (out.ignored ??= []).push(w);
      continue;
    }
    const value = flag[2] || words[++i];
    if (value === undefined) throw new Error(`${w} needs a value`);
    if (flag[1] === 'o') applyOption(out, value);
    else if (flag[1] === 'J') out.proxyJump = value;
    else if (flag[1] === 'p') out.port = positive(w, value);
    else if (flag[1] === 'i') out.identityFile = value;
    else if (flag[1] === 'l') out.user = value;
    else if (flag[1] === 'F') out.sshConfigFile = value;
    else (out.ignored ??= []).push(flag[2] ? w : `${w} ${value}`);
  }
  return out;
}

function str(vars: Record<string, unknown>, ...keys: string[]): string | undefined {
  for (const key of keys) {
    const v = vars[key];
    if (v !== undefined && v !== null && v !== '') return String(v);
  }
  return undefined;
}

function num(vars: Record<string, unknown>, ...keys: string[]): number | undefined {
  const v = str(vars, ...keys);
  return v === undefined ? undefined : Number(v);
}

function bool(vars: Record<string, unknown>, ...keys: string[]): boolean | undefined {
  const key = keys.find((k) => str(vars, k) !== undefined);
  return key === undefined ? undefined : parseFlag(vars[key]);
}

/**
 * Ansible's connection variables (plus pxeprov_*) into a ConnectionSpec. Explicit variables win over
 * ansible_ssh_common_args and ansible_ssh_extra_args. A value pxeprov cannot use is E_CONNECTION_VAR
 * (validate reports the same with its file and line).
 */
export function connectionSpecFromVars(hostName: string, vars: Record<string, unknown>): ConnectionSpec {
  const where = {host: hostName};
  for (const [key, value] of Object.entries(vars)) {
    const problem = connectionVarProblem(key, value);
    if (problem)
      throw new PxeError('E_CONNECTION_VAR', problem.message, {where, expected: problem.expected, hint: problem.hint});
  }
  let common: SshArgs = {};
  for (const key of ['ansible_ssh_common_args', 'ansible_ssh_extra_args']) {
    const args = str(vars, key);
    if (!args) continue;
    try {
      common = {...common, ...parseSshCommonArgs(args)};
    } catch (error) {
      throw new PxeError('E_CONNECTION_VAR', `${key}: ${(error as Error).message}`, {
        where,
        expected: 'OpenSSH command-line options',
      });
    }
  }
  const connection = str(vars, 'ansible_connection');
  const spec: ConnectionSpec = {
    name: hostName,
    connection: connection === undefined ? undefined : CONNECTION_TYPES[connection],
    host: str(vars, 'ansible_host', 'ansible_ssh_host'),
    port: num(vars, 'ansible_port', 'ansible_ssh_port') ?? common.port,
    user: str(vars, 'ansible_user', 'ansible_ssh_user') ?? common.user,
    password: str(vars, 'ansible_password', 'ansible_ssh_pass', 'ansible_ssh_password'),
    privateKeyFile: str(vars, 'ansible_ssh_private_key_file', 'ansible_private_key_file') ?? common.identityFile,
    knownHostsFile: str(vars, 'pxeprov_known_hosts') ?? common.userKnownHostsFile,
    globalKnownHostsFile: common.globalKnownHostsFile,
    hostKeyChecking:
      bool(vars, 'pxeprov_host_key_checking', 'ansible_host_key_checking', 'ansible_ssh_host_key_checking') ??
      common.strictHostKeyChecking,
    proxyJump: common.proxyJump,
    sshConfigFile: common.sshConfigFile,
    become: bool(vars, 'ansible_become'),
    becomeMethod: str(vars, 'ansible_become_method') as BecomeMethod | undefined,
    becomeUser: str(vars, 'ansible_become_user'),
    becomePassword: str(vars, 'ansible_become_password', 'ansible_become_pass'),
    connectTimeout:
      num(vars, 'pxeprov_connect_timeout', 'ansible_timeout', 'ansible_ssh_timeout') ?? common.connectTimeout,
    agentTimeout: num(vars, 'pxeprov_agent_timeout'),
    requestTimeout: num(vars, 'pxeprov_request_timeout'),
    shell: str(vars, 'pxeprov_agent_shell'),
  };
  return Object.fromEntries(Object.entries(spec).filter(([, v]) => v !== undefined)) as unknown as ConnectionSpec;
}
