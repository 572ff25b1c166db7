/**
 * What `pxeprov vault encrypt|decrypt|view|encrypt-string` do, as ansible-vault does it: in place or to
 * --output ("-" is stdin/stdout), written atomically (temp file beside the target, fsync, rename) with the
 * replaced file's mode, 0600 for a new file.
 */
import {randomBytes} from 'node:crypto';
import {
  chownSync,
  closeSync,
  fchmodSync,
  fsyncSync,
  openSync,
  readFileSync,
  realpathSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import {basename, dirname, join} from 'node:path';
import {PxeError} from '../errors.js';
import {openVault, type VaultSecret} from './decrypt.js';
import {encryptVault, isVaultText, vaultYamlBlock} from './format.js';

export const STDIO = '-';

/** The password to encrypt with: the one of --encrypt-vault-id, else the only one given. */
export function encryptSecret(secrets: readonly VaultSecret[], label?: string): VaultSecret {
  if (label) {
    const found = secrets.find((s) => s.label === label);
    if (!found)
      throw new PxeError('E_USAGE', `--encrypt-vault-id ${label} names no vault id given`, {
        expected: `one of: ${secrets.map((s) => s.label).join(', ')}`,
        hint: `add --vault-id ${label}@SOURCE`,
      });
    return found;
  }
  if (secrets.length > 1) {
    throw new PxeError('E_USAGE', `several vault ids can encrypt (${secrets.map((s) => s.label).join(', ')})`, {
      expected: 'one vault password to encrypt with',
      hint: 'choose one with --encrypt-vault-id LABEL',
    });
  }
  return secrets[0]!;
}

export function readSource(path: string): Buffer {
  try {
    return readFileSync(path === STDIO ? 0 : path);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw new PxeError(
      'E_FILE_NOT_FOUND',
      `${path === STDIO ? 'stdin' : path} ${code === 'ENOENT' ? 'does not exist' : `cannot be read (${code})`}`,
      {where: {file: path}, expected: 'a readable file', cause},
    );
  }
}

/** Replace `path` with `data` atomically, keeping its mode (and owner, as root); a new file gets 0600. */
export function writeAtomically(path: string, data: string | Buffer): void {
  if (path === STDIO) {
    process.stdout.write(data);
    return;
  }
  let target = path;
  let old: {mode: number; uid: number; gid: number} | undefined;
  try {
    target = realpathSync(path);
    old = statSync(target);
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code !== 'ENOENT') throw writeError(path, cause);
  }
  const tmp = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx', 0o600);
    // Set after creation: the umask must not narrow the mode the replaced file had.
    fchmodSync(fd, old ? old.mode & 0o7777 : 0o600);
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    if (old && process.getuid?.() === 0) chownSync(tmp, old.uid, old.gid);
    renameSync(tmp, target);
  } catch (cause) {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      // Nothing was created, or it is gone already: the target is untouched either way.
    }
    throw writeError(path, cause);
  }
}

function writeError(path: string, cause: unknown): PxeError {
  return new PxeError(
    'E_FILE_NOT_FOUND',
    `${path} cannot be written (${(cause as NodeJS.ErrnoException).code ?? cause})`,
    {where: {file: path}, expected: 'a writable file in a writable directory', cause},
  );
}

export function encryptFile(input: string, secret: VaultSecret, output?: string): void {
  const plaintext = readSource(input);
  if (isVaultText(plaintext.toString('latin1'))) {
    throw new PxeError('E_VAULT', `${input === STDIO ? 'stdin' : input} is already vault-encrypted`, {
      where: {file: input},
      expected: 'a plain file',
      hint: 'decrypt it first, or leave it as it is',
    });
  }
  writeAtomically(output ?? input, encryptVault(plaintext, secret.password, {label: secret.label}));
}

export function decryptedContent(input: string, secrets: readonly VaultSecret[]): Buffer {
  const text = readSource(input).toString('latin1');
  if (!isVaultText(text)) {
    throw new PxeError('E_VAULT', `${input === STDIO ? 'stdin' : input} is not vault-encrypted`, {
      where: {file: input},
      expected: 'a file starting with $ANSIBLE_VAULT',
      hint: 'encrypt it with pxeprov vault encrypt',
    });
  }
  return openVault(text, secrets, {file: input});
}

export function decryptFile(input: string, secrets: readonly VaultSecret[], output?: string): void {
  writeAtomically(output ?? input, decryptedContent(input, secrets));
}

/** `name: !vault |` blocks for each plaintext, joined as ansible-vault encrypt_string joins them. */
export function encryptStrings(items: ReadonlyArray<{text: string; name?: string}>, secret: VaultSecret): string {
  return items
    .map(({text, name}) =>
      vaultYamlBlock(encryptVault(Buffer.from(text, 'utf8'), secret.password, {label: secret.label}), name),
    )
    .join('\n');
}
