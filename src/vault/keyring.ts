/**
 * The vault passwords of this run. Input loaders decrypt through here, and every decrypted value is tracked
 * (config/redact.ts) so that output masks it whatever the variable is called. Plaintext lives in this
 * process's memory only: never in the parse cache, never on disk.
 */
import {trackSecret} from '../config/redact.js';
import {PxeError, type Where} from '../errors.js';
import {openVault, type VaultSecret} from './decrypt.js';
import {isVaultText} from './format.js';

let secrets: readonly VaultSecret[] = [];

/** The passwords the commands that load inputs decrypt with (from flags, environment and ansible.cfg). */
export function useVaultSecrets(list: readonly VaultSecret[]): void {
  secrets = list;
}

const decoder = new TextDecoder('utf-8', {fatal: true});

/** The decrypted text (UTF-8) of vault text found in an input: a whole file, whose parser tracks its values. */
export function decryptVaultFile(text: string, where: Where): string {
  const plain = openVault(text, secrets, where);
  try {
    return decoder.decode(plain);
  } catch (cause) {
    throw new PxeError('E_VAULT', 'the decrypted vault is not UTF-8 text', {
      where,
      expected: 'UTF-8 text inside the vault',
      hint: 'encrypt a UTF-8 file (iconv -t UTF-8)',
      cause,
    });
  }
}

/** The decrypted value of an inline `!vault` string, tracked as a secret. */
export function decryptVaultValue(text: string, where: Where): string {
  const value = decryptVaultFile(text, where);
  trackSecret(value);
  return value;
}

/**
 * A control-side file a task sends (template or copy src), decrypted when it is a vault file, as Ansible's
 * template and copy do; its every line is then a secret.
 */
export function decryptIfVault(data: Buffer, file: string): Buffer {
  const text = data.toString('latin1');
  if (!isVaultText(text)) return data;
  const plain = openVault(text, secrets, {file});
  trackSecret(plain.toString('utf8'));
  return plain;
}
