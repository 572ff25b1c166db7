/**
 * The one error type of pxeprov. Every user-facing failure is a PxeError with a code from the
 * catalogue below; the catalogue also generates the table of docs/reference/errors.md (`npm run docs`).
 */

export interface Where {
  file?: string;
  line?: number;
  col?: number;
  host?: string;
  task?: string;
}

export interface ErrorInfo {
  /** Exit code of the process when this error ends a command. */
  exit: 1 | 2 | 3;
  /** One line for the table of docs/reference/errors.md. */
  summary: string;
}

/** The catalogue. Codes are stable: scripts may match on them. */
export const ERROR_CODES = {
  // invalid input (exit 3)
  E_YAML_SYNTAX: {exit: 3, summary: 'A YAML file does not parse (syntax error, tab indentation, duplicate key).'},
  E_INI_SYNTAX: {exit: 3, summary: 'An INI inventory line does not parse.'},
  E_SCHEMA: {exit: 3, summary: 'A value has the wrong type, a required key is missing, or a key is unknown.'},
  E_FILE_NOT_FOUND: {exit: 3, summary: 'An input file (inventory, playbook, vars_file, template, src) does not exist.'},
  E_UNKNOWN_MODULE: {exit: 3, summary: 'A task names no module, an unknown module, or two modules.'},
  E_MODULE_ARGS: {exit: 3, summary: "A module's arguments do not match its schema."},
  E_UNKNOWN_ROLE: {exit: 3, summary: 'A play names a role that is not under roles/.'},
  E_INVENTORY_CYCLE: {exit: 3, summary: "A group is its own descendant through 'children'."},
  E_INVENTORY: {exit: 3, summary: 'The inventory is inconsistent (bad host pattern, group/host name clash).'},
  E_LIMIT: {exit: 3, summary: '--limit matches no host of the inventory.'},
  E_EXTRA_VARS: {exit: 3, summary: '-e/--extra-vars is not key=value, @file.yaml or a JSON object.'},
  E_TEMPLATE: {exit: 3, summary: 'A template does not render (syntax error, undefined variable, filter error).'},
  E_VARS: {
    exit: 3,
    summary: 'A variable is invalid for the role that uses it (e.g. a subnet that does not contain pxe_ip).',
  },
  E_CONNECTION_VAR: {
    exit: 3,
    summary:
      'A connection variable has a value pxeprov cannot use (unsupported ansible_connection or become method, bad port, a control character).',
  },
  E_USAGE: {exit: 3, summary: 'A command-line flag or argument is invalid.'},
  E_VAULT: {
    exit: 3,
    summary:
      'Vault-encrypted input cannot be decrypted: no password given, a wrong one, altered data (HMAC mismatch), or a password source that fails.',
  },
  E_HOST: {
    exit: 3,
    summary:
      'A HOST argument names no dhcp_hosts entry, or one without what the command needs (a MAC and a profile, and no install: always, for install; a BMC for power).',
  },
  E_ANSIBLE_CFG: {exit: 3, summary: 'ansible.cfg (or an ANSIBLE_* variable) does not parse or holds a bad value.'},
  // a host failed (exit 1)
  E_CONNECT: {exit: 1, summary: 'The SSH connection could not be made or authenticated.'},
  E_HOST_KEY: {exit: 1, summary: 'The host key is unknown or changed in known_hosts.'},
  E_BECOME: {exit: 1, summary: 'sudo or su refused (a password is needed, or the password is wrong).'},
  E_AGENT: {exit: 1, summary: 'The remote agent did not start or its byte stream is corrupt (often a shell banner).'},
  E_TIMEOUT: {exit: 1, summary: 'A connection or a request took longer than its timeout.'},
  E_DISCONNECTED: {exit: 1, summary: 'The connection dropped while a request was in flight.'},
  E_LOCKED: {exit: 1, summary: 'Another pxeprov run holds the target (it waited pxeprov_lock_timeout seconds).'},
  E_READ_ONLY: {exit: 1, summary: 'A write was attempted through an agent opened read-only (check mode).'},
  E_REMOTE: {exit: 1, summary: 'A remote operation failed (permission denied, no such directory, command failed).'},
  E_TASK: {exit: 1, summary: 'A task failed on a host (the module says why).'},
  E_CONFIG_CHECK: {
    exit: 1,
    summary: "A daemon's own check refused a new config (dhcpd -t, nginx -t); the old one stays live.",
  },
  E_LAB: {exit: 1, summary: 'The local lab could not be built, booted or torn down.'},
  E_POWER: {
    exit: 1,
    summary:
      "A power step through a host's BMC failed (ipmitool missing on the PXE server, or an answer that is not a confirmation).",
  },
  E_BMC_AUTH: {exit: 1, summary: "A host's BMC refused its ipmi_user and ipmi_password."},
  E_BMC_UNREACHABLE: {exit: 1, summary: "A host's BMC did not answer from the PXE server (IPMI over LAN, UDP 623)."},
  E_PROBE: {exit: 1, summary: 'The PXE probe found a step a client would fail at.'},
} as const satisfies Record<string, ErrorInfo>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface PxeErrorOptions {
  where?: Where;
  expected?: string;
  hint?: string;
  cause?: unknown;
}

export class PxeError extends Error {
  readonly code: ErrorCode;
  readonly where: Where;
  readonly expected?: string;
  readonly hint?: string;

  constructor(code: ErrorCode, message: string, options: PxeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : {cause: options.cause});
    this.name = 'PxeError';
    this.code = code;
    this.where = options.where ?? {};
    this.expected = options.expected;
    this.hint = options.hint;
  }

  get exit(): number {
    return ERROR_CODES[this.code].exit;
  }

  toJSON(): Record<string, unknown> {
    return {code: this.code, message: this.message, where: this.where, expected: this.expected, hint: this.hint};
  }
}

/** Several errors of one input, reported together (all schema errors, not the first only). */
export class PxeErrors extends Error {
  constructor(readonly errors: PxeError[]) {
    super(errors.map((e) => e.message).join('; '));
    this.name = 'PxeErrors';
  }

  get exit(): number {
    return Math.max(...this.errors.map((e) => e.exit));
  }
}

export function formatWhere(where: Where): string {
  const parts: string[] = [];
  if (where.file) parts.push([where.file, where.line, where.col].filter((p) => p !== undefined).join(':'));
  if (where.host) parts.push(`host ${where.host}`);
  if (where.task) parts.push(`task "${where.task}"`);
  return parts.join(', ');
}

/** The human form: `error[E_SCHEMA] file:3:5: message` then indented expected/hint lines. */
export function formatError(error: PxeError): string {
  const where = formatWhere(error.where);
  const lines = [`error[${error.code}]${where ? ` ${where}` : ''}: ${error.message}`];
  if (error.expected) lines.push(`  expected: ${error.expected}`);
  if (error.hint) lines.push(`  hint: ${error.hint}`);
  return lines.join('\n');
}

export function errorsOf(error: unknown): PxeError[] | undefined {
  if (error instanceof PxeErrors) return error.errors;
  if (error instanceof PxeError) return [error];
  return undefined;
}

/** Runs `fn`, adding the PxeError(s) it throws to `errors` (so every error of an input is reported together). */
export function collectErrors<T>(errors: PxeError[], fn: () => T): T | undefined {
  try {
    return fn();
  } catch (e) {
    const found = errorsOf(e);
    if (!found) throw e;
    errors.push(...found);
    return undefined;
  }
}
