/**
 * Vault passwords from where Ansible takes them: password files (an executable one is run and its stdout
 * used; a `*-client` script is asked `--vault-id LABEL`), `--vault-id LABEL@SOURCE` (SOURCE a file, a script
 * or `prompt`), `--ask-vault-pass`, and ANSIBLE_VAULT_IDENTITY_LIST / ANSIBLE_VAULT_PASSWORD_FILE. Unlike
 * Ansible, a source that cannot be read is an error even when another one worked: fail closed.
 */
import {execFileSync} from 'node:child_process';
import {readFileSync, statSync} from 'node:fs';
import {homedir} from 'node:os';
import {extname, join, resolve} from 'node:path';
import {PxeError} from '../errors.js';
import {NO_PASSWORD_HINT, type VaultSecret} from './decrypt.js';
import {isVaultText} from './format.js';
import {promptHidden} from './prompt.js';

export const DEFAULT_LABEL = 'default';

export interface VaultSources {
  /** --vault-password-file, in order. */
  passwordFiles?: readonly string[];
  /** --vault-id values: `LABEL@SOURCE` or `SOURCE`. */
  ids?: readonly string[];
  /** --ask-vault-pass. */
  ask?: boolean;
  /** Configured identities, tried first (ANSIBLE_VAULT_IDENTITY_LIST, or ansible.cfg's vault_identity_list). */
  identityList?: readonly string[];
  /** The configured password file (ANSIBLE_VAULT_PASSWORD_FILE, or ansible.cfg's vault_password_file). */
  defaultPasswordFile?: string;
  /** Asking on the terminal for a new password (encrypting): asked twice. */
  confirm?: boolean;
}

function sourceError(message: string, source: string, hint: string, cause?: unknown): PxeError {
  return new PxeError('E_VAULT', message, {
    where: {file: source},
    expected: 'a readable vault password source',
    hint,
    cause,
  });
}

/** The configured sources from the environment, as Ansible reads them. */
export function vaultSourcesFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): Pick<VaultSources, 'identityList' | 'defaultPasswordFile'> {
  const list = env.ANSIBLE_VAULT_IDENTITY_LIST?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return {
    identityList: list?.length ? list : undefined,
    defaultPasswordFile: env.ANSIBLE_VAULT_PASSWORD_FILE || undefined,
  };
}

/** `LABEL@SOURCE` → [label, source]; a bare SOURCE is the default label. */
export function splitVaultId(id: string): {label: string; source: string} {
  const at = id.indexOf('@');
  const [label, source] = at < 0 ? [DEFAULT_LABEL, id] : [id.slice(0, at) || DEFAULT_LABEL, id.slice(at + 1)];
  if (label.includes(';'))
    throw new PxeError('E_USAGE', `'${id}' is not a valid vault id: ';' is not allowed in a label`, {
      expected: '[LABEL@]SOURCE',
      hint: 'use letters, digits, - and _ in labels',
    });
  if (!source)
    throw new PxeError('E_USAGE', `'${id}' names no password source`, {
      expected: '[LABEL@]SOURCE: a password file, a script or prompt',
      hint: 'e.g. --vault-id prod@~/.vault-pass',
    });
  return {label, source};
}

/**
 * Every password, in Ansible's order: configured identities, --vault-id, --vault-password-file, the configured
 * password file, then --ask-vault-pass. Files are read and scripts run now; prompts ask on the terminal.
 */
export async function resolveVaultSecrets(sources: VaultSources): Promise<VaultSecret[]> {
  const ids = [
    ...(sources.identityList ?? []),
    ...(sources.ids ?? []),
    ...[...(sources.passwordFiles ?? []), ...(sources.defaultPasswordFile ? [sources.defaultPasswordFile] : [])].map(
      (f) => `${DEFAULT_LABEL}@${f}`,
    ),
  ].map((id): {label: string; source: string; named?: boolean} => ({...splitVaultId(id), named: true}));
  if (sources.ask) ids.push({label: DEFAULT_LABEL, source: 'prompt'});
  const secrets: VaultSecret[] = [];
  for (const {label, source, named} of ids) {
    const password =
      source === 'prompt'
        ? await askPassword(named ? label : undefined, sources.confirm ?? false)
        : readPasswordSource(source, label);
    secrets.push({label, password, source});
  }
  return secrets;
}

/** Ansible's prompts: "Vault password: " for --ask-vault-pass, "Vault password (LABEL): " for LABEL@prompt. */
async function askPassword(label: string | undefined, confirm: boolean): Promise<Buffer> {
  const [ask, again] = label
    ? [`${confirm ? 'New vault' : 'Vault'} password (${label}): `, `Confirm new vault password (${label}): `]
    : [`${confirm ? 'New Vault' : 'Vault'} password: `, 'Confirm New Vault password: '];
  const first = await promptHidden(ask);
  if (confirm && (await promptHidden(again)) !== first) {
    throw new PxeError('E_VAULT', 'the two passwords typed do not match', {
      expected: 'the same password twice',
      hint: 'run the command again',
    });
  }
  const password = Buffer.from(first.trim(), 'utf8');
  if (password.length === 0)
    throw new PxeError('E_VAULT', 'an empty vault password was typed', {
      expected: 'a non-empty password',
      hint: NO_PASSWORD_HINT,
    });
  return password;
}

function isExecutable(file: string): boolean {
  return (statSync(file).mode & 0o111) !== 0;
}

/** Ansible's is_client: `NAME-client` or `NAME-client.EXT`. */
function isClientScript(file: string): boolean {
  return file.slice(0, file.length - extname(file).length).endsWith('-client');
}

function readPasswordSource(source: string, label: string): Buffer {
  // Absolute, as Ansible makes it: a bare name must not be looked up in PATH.
  const file = resolve(source.startsWith('~/') ? join(homedir(), source.slice(2)) : source);
  let executable: boolean;
  try {
    executable = isExecutable(file);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw sourceError(
      `vault password file ${source} ${code === 'ENOENT' ? 'does not exist' : `cannot be read (${code})`}`,
      source,
      NO_PASSWORD_HINT,
      cause,
    );
  }
  let password: Buffer;
  if (executable) {
    const client = isClientScript(file);
    try {
      // stderr stays the user's (a script may prompt there), as in Ansible.
      password = execFileSync(file, client ? ['--vault-id', label] : [], {
        stdio: ['inherit', 'pipe', 'inherit'],
        maxBuffer: 1 << 20,
      });
    } catch (cause) {
      const status = (cause as {status?: number | null}).status;
      const why =
        status === undefined || status === null
          ? `could not be run (${(cause as NodeJS.ErrnoException).code ?? 'killed'})`
          : client && status === 2
            ? `knows no secret for vault id '${label}' (exit 2)`
            : `exited with ${status}`;
      throw sourceError(
        `vault password script ${source} ${why}`,
        source,
        'a password script prints the password on stdout and exits 0; remove the executable bit from a plain password file',
        cause,
      );
    }
    password = trimBytes(password, '\r\n');
  } else {
    try {
      password = trimBytes(readFileSync(file), ' \t\r\n\v\f');
    } catch (cause) {
      throw sourceError(
        `vault password file ${source} cannot be read (${(cause as NodeJS.ErrnoException).code})`,
        source,
        NO_PASSWORD_HINT,
        cause,
      );
    }
    if (isVaultText(password.toString('latin1'))) {
      throw sourceError(
        `vault password file ${source} is itself vault-encrypted`,
        source,
        'keep the vault password file in plain text (mode 0600) or use a password script',
      );
    }
  }
  if (password.length === 0)
    throw sourceError(
      `vault password ${executable ? 'script' : 'file'} ${source} gave an empty password`,
      source,
      'put the password on the first line',
    );
  return password;
}

function trimBytes(data: Buffer, chars: string): Buffer {
  const drop = new Set([...chars].map((c) => c.charCodeAt(0)));
  let start = 0;
  let end = data.length;
  while (start < end && drop.has(data[start]!)) start++;
  while (end > start && drop.has(data[end - 1]!)) end--;
  return data.subarray(start, end);
}
