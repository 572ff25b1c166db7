/**
 * The connection variables pxeprov honours (Ansible's names and its own pxeprov_* ones; docs/connection.md says what each
 * means) and what a usable value of each is. Pure: `validate` checks an inventory with it (file:line) and
 * connectionSpecFromVars() checks again at run time, so a value pxeprov cannot use is never reached.
 */

/** Every `ansible_*` variable pxeprov honours (the connection variables table of docs/connection.md is checked against it). */
export const ANSIBLE_VARS: ReadonlySet<string> = new Set([
  'ansible_connection',
  'ansible_host',
  'ansible_ssh_host',
  'ansible_port',
  'ansible_ssh_port',
  'ansible_user',
  'ansible_ssh_user',
  'ansible_password',
  'ansible_ssh_pass',
  'ansible_ssh_password',
  'ansible_ssh_private_key_file',
  'ansible_private_key_file',
  'ansible_ssh_common_args',
  'ansible_ssh_extra_args',
  'ansible_timeout',
  'ansible_ssh_timeout',
  'ansible_host_key_checking',
  'ansible_ssh_host_key_checking',
  'ansible_become',
  'ansible_become_method',
  'ansible_become_user',
  'ansible_become_password',
  'ansible_become_pass',
  'ansible_python_interpreter',
]);

/** ansible_connection values, and the transport each one means. */
export const CONNECTION_TYPES: Readonly<Record<string, 'ssh' | 'local'>> = {
  ssh: 'ssh',
  paramiko: 'ssh',
  smart: 'ssh',
  local: 'local',
};
export const BECOME_METHODS = ['sudo', 'su'] as const;
export type BecomeMethod = (typeof BECOME_METHODS)[number];

const YES = new Set(['yes', 'true', 'on', '1']);
const NO = new Set(['no', 'false', 'off', '0']);

const PORTS = new Set(['ansible_port', 'ansible_ssh_port']);
const SECONDS = new Set([
  'ansible_timeout',
  'ansible_ssh_timeout',
  'pxeprov_connect_timeout',
  'pxeprov_request_timeout',
  'pxeprov_agent_timeout',
]);
const FLAGS = new Set([
  'ansible_become',
  'ansible_host_key_checking',
  'ansible_ssh_host_key_checking',
  'pxeprov_host_key_checking',
]);
const SECRETS = new Set([
  'ansible_password',
  'ansible_ssh_pass',
  'ansible_ssh_password',
  'ansible_become_password',
  'ansible_become_pass',
]);
const PXEPROV_VARS = new Set([...SECONDS, 'pxeprov_host_key_checking', 'pxeprov_known_hosts', 'pxeprov_agent_shell']);

/** A variable the transport reads (and so checks). */
export function isConnectionVar(name: string): boolean {
  return ANSIBLE_VARS.has(name) || PXEPROV_VARS.has(name);
}

export function parseFlag(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  const s = String(value).toLowerCase();
  return YES.has(s) ? true : NO.has(s) ? false : undefined;
}

export function hasTemplate(value: unknown): boolean {
  return typeof value === 'string' && /\{\{|\{%/.test(value);
}

export interface VarProblem {
  message: string;
  expected: string;
  hint?: string;
}

/**
 * Why `value` cannot be used for the connection variable `name`, or undefined when it can (and for
 * variables the transport does not read). Never quotes a secret's value.
 */
export function connectionVarProblem(name: string, value: unknown): VarProblem | undefined {
  if (!isConnectionVar(name) || value === undefined || value === null || value === '') return undefined;
  const secret = SECRETS.has(name);
  const shown = secret ? '(the value)' : JSON.stringify(value);
  if (Array.isArray(value) || (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype)) {
    return {
      message: `${name} must be a single value, not ${Array.isArray(value) ? 'a list' : 'a mapping'}`,
      expected: 'a string or a number',
    };
  }
  const text = String(value);
  if (hasTemplate(text)) {
    return {
      message: `${name} holds a template (${secret ? 'value hidden' : shown}) that was not rendered`,
      expected: "a value rendered with the host's variables before connecting",
    };
  }
  // Option strings may hold tabs and newlines between words; nothing else may hold a control character.
  const control = (name.endsWith('_args') ? /[\u0000-\u0008\u000b-\u001f\u007f]/ : /[\u0000-\u001f\u007f]/).exec(text);
  if (control) {
    const code = `U+${control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
    return {
      message: `${name} holds a control character (${code})${secret ? '' : `: ${shown}`}`,
      expected: 'printable characters only',
      hint: 'a NUL or newline in a connection value is never what was meant: remove it',
    };
  }
  if (PORTS.has(name)) {
    const port = typeof value === 'number' ? value : /^\d+$/.test(text) ? Number(text) : NaN;
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      return {message: `${name} must be a port number, got ${shown}`, expected: 'an integer from 1 to 65535'};
  }
  if (SECONDS.has(name)) {
    const n = Number(text);
    if (!Number.isFinite(n) || n <= 0 || text.trim() === '')
      return {message: `${name} must be a positive number of seconds, got ${shown}`, expected: 'seconds, e.g. 30'};
  }
  if (FLAGS.has(name) && parseFlag(value) === undefined)
    return {message: `${name} must be true or false, got ${shown}`, expected: 'true, false, yes or no'};
  if (name === 'ansible_connection' && !(text in CONNECTION_TYPES)) {
    return {
      message: `ansible_connection ${shown} is not supported`,
      expected: `one of: ${Object.keys(CONNECTION_TYPES).join(', ')}`,
      hint: 'pxeprov reaches a host over SSH, or runs locally with ansible_connection: local',
    };
  }
  if (name === 'ansible_become_method' && !(BECOME_METHODS as readonly string[]).includes(text)) {
    return {
      message: `ansible_become_method ${shown} is not supported`,
      expected: `one of: ${BECOME_METHODS.join(', ')}`,
      hint: 'use sudo or su',
    };
  }
  return undefined;
}

/** An `ansible_*` name pxeprov does not read: reported, never silently ignored. */
export function isUnhonouredAnsibleVar(name: string): boolean {
  return name.startsWith('ansible_') && !ANSIBLE_VARS.has(name);
}
