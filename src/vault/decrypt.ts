/** Decrypting with a set of passwords as Ansible does: the password of the vault's own label first, then every other one. */
import {PxeError, type Where} from '../errors.js';
import {decryptEnvelope, parseEnvelope, VaultFormatError, type Envelope} from './format.js';

export const NO_PASSWORD_HINT =
  'give --vault-password-file FILE, --vault-id [LABEL@]SOURCE or --ask-vault-pass (or set ANSIBLE_VAULT_PASSWORD_FILE)';

export interface VaultSecret {
  label: string;
  password: Buffer;
  /** Where it came from (a path, or "prompt"), for messages. */
  source: string;
}

function candidates(envelope: Envelope, secrets: readonly VaultSecret[]): VaultSecret[] {
  const own = secrets.filter((s) => s.label === envelope.label);
  return [...own, ...secrets.filter((s) => !own.includes(s))];
}

/** The plaintext bytes of vault text, or E_VAULT naming `where` (never the content). */
export function openVault(text: string, secrets: readonly VaultSecret[], where: Where): Buffer {
  let envelope: Envelope;
  try {
    envelope = parseEnvelope(text);
  } catch (cause) {
    if (!(cause instanceof VaultFormatError)) throw cause;
    throw new PxeError('E_VAULT', `not a valid Ansible vault: ${cause.message}`, {
      where,
      expected: 'vault text as ansible-vault writes it',
      hint: 'encrypt it again with ansible-vault or pxeprov vault encrypt',
      cause,
    });
  }
  const label = envelope.label ? ` (vault id '${envelope.label}')` : '';
  if (secrets.length === 0) {
    throw new PxeError('E_VAULT', `vault-encrypted content${label} but no vault password was given`, {
      where,
      expected: 'a vault password',
      hint: NO_PASSWORD_HINT,
    });
  }
  for (const secret of candidates(envelope, secrets)) {
    let plaintext: Buffer | undefined;
    try {
      plaintext = decryptEnvelope(envelope, secret.password);
    } catch (cause) {
      if (!(cause instanceof VaultFormatError)) throw cause;
      throw new PxeError('E_VAULT', `the vault${label} decrypts to damaged data: ${cause.message}`, {
        where,
        expected: 'vault text as ansible-vault writes it',
        hint: 'restore the file from version control',
        cause,
      });
    }
    if (plaintext) return plaintext;
  }
  const tried = [...new Set(secrets.map((s) => s.label))].join(', ');
  throw new PxeError(
    'E_VAULT',
    `no vault password given decrypts this vault${label}: the password is wrong or the data was altered (HMAC mismatch)`,
    {
      where,
      expected: `the password it was encrypted with (tried vault ids: ${tried})`,
      hint:
        envelope.label && !secrets.some((s) => s.label === envelope.label)
          ? `give its password with --vault-id ${envelope.label}@SOURCE`
          : 'check the password file, or restore the vault from version control',
    },
  );
}
