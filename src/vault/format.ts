/**
 * Ansible's vault format, 1.1 and 1.2 with the AES256 cipher (ansible/parsing/vault/__init__.py): a header
 * line `$ANSIBLE_VAULT;1.1;AES256` (1.2 adds `;label`), then the hex of "hex(salt)\nhex(hmac)\nhex(ciphertext)"
 * in 80-column lines. Keys: PBKDF2-SHA256, 10,000 iterations, 80 bytes = AES key, HMAC key, CTR counter.
 * The ciphertext is AES-256-CTR over the PKCS#7-padded plaintext; the HMAC-SHA256 covers the ciphertext.
 */
import {createCipheriv, createDecipheriv, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual} from 'node:crypto';

export const VAULT_HEADER = '$ANSIBLE_VAULT';
const ITERATIONS = 10_000;
const KEY_LENGTH = 32;
const IV_LENGTH = 16;
const BLOCK = 16;
const LINE = 80;
const HEX = /^(?:[0-9a-fA-F]{2})*$/;

export interface Envelope {
  version: string;
  cipher: string;
  /** The vault-id label of a 1.2 file; a hint for choosing the password, not authenticated. */
  label?: string;
  salt: Buffer;
  hmac: Buffer;
  ciphertext: Buffer;
}

/** Not a vault (or a damaged one): the reason, never any content. */
export class VaultFormatError extends Error {}

/** Ansible's is_encrypted: the text starts with the header. */
export function isVaultText(text: string): boolean {
  return text.startsWith(VAULT_HEADER);
}

function unhex(text: string, what: string): Buffer {
  if (!HEX.test(text)) throw new VaultFormatError(`the ${what} is not hexadecimal`);
  return Buffer.from(text, 'hex');
}

export function parseEnvelope(text: string): Envelope {
  const lines = text
    .trim()
    .split(/\r?\n/)
    .map((l) => l.trim());
  const header = lines[0]!.split(';').map((p) => p.trim());
  if (header[0] !== VAULT_HEADER || header.length < 3)
    throw new VaultFormatError(`the header is not "${VAULT_HEADER};1.1;AES256"`);
  const [, version, cipher, label] = header;
  if (version !== '1.1' && version !== '1.2')
    throw new VaultFormatError(`vault format ${version} is not supported (1.1 and 1.2 are)`);
  if (cipher !== 'AES256') throw new VaultFormatError(`cipher ${cipher} is not supported (AES256 is)`);
  const parts = unhex(lines.slice(1).join(''), 'body').toString('latin1').split('\n');
  if (parts.length !== 3) throw new VaultFormatError('the body does not hold a salt, an HMAC and a ciphertext');
  const [salt, hmac, ciphertext] = [unhex(parts[0]!, 'salt'), unhex(parts[1]!, 'HMAC'), unhex(parts[2]!, 'ciphertext')];
  if (salt.length === 0 || hmac.length !== 32 || ciphertext.length === 0 || ciphertext.length % BLOCK !== 0) {
    throw new VaultFormatError('the salt, HMAC or ciphertext has the wrong length');
  }
  return {version, cipher, label: label || undefined, salt, hmac, ciphertext};
}

function deriveKeys(password: Buffer, salt: Buffer): {key: Buffer; hmacKey: Buffer; iv: Buffer} {
  const derived = pbkdf2Sync(password, salt, ITERATIONS, 2 * KEY_LENGTH + IV_LENGTH, 'sha256');
  return {
    key: derived.subarray(0, KEY_LENGTH),
    hmacKey: derived.subarray(KEY_LENGTH, 2 * KEY_LENGTH),
    iv: derived.subarray(2 * KEY_LENGTH),
  };
}

/** The plaintext, or undefined when this password does not match (the HMAC differs: wrong password or altered data). */
export function decryptEnvelope(envelope: Envelope, password: Buffer): Buffer | undefined {
  const {key, hmacKey, iv} = deriveKeys(password, envelope.salt);
  const mac = createHmac('sha256', hmacKey).update(envelope.ciphertext).digest();
  if (!timingSafeEqual(mac, envelope.hmac)) return undefined;
  const decipher = createDecipheriv('aes-256-ctr', key, iv);
  const padded = Buffer.concat([decipher.update(envelope.ciphertext), decipher.final()]);
  const pad = padded[padded.length - 1]!;
  if (pad < 1 || pad > BLOCK || !padded.subarray(padded.length - pad).every((b) => b === pad))
    throw new VaultFormatError('the padding of the decrypted data is invalid');
  return padded.subarray(0, padded.length - pad);
}

export interface EncryptOptions {
  /** A vault-id label other than "default" makes a 1.2 file that carries it. */
  label?: string;
  /** For reproducible tests only: a fresh random 32-byte salt otherwise, as Ansible does. */
  salt?: Buffer;
}

/** The vault text (header, 80-column hex lines, final newline) of `plaintext`. */
export function encryptVault(plaintext: Buffer, password: Buffer, options: EncryptOptions = {}): string {
  const salt = options.salt ?? randomBytes(32);
  const {key, hmacKey, iv} = deriveKeys(password, salt);
  const pad = BLOCK - (plaintext.length % BLOCK);
  const cipher = createCipheriv('aes-256-ctr', key, iv);
  const ciphertext = Buffer.concat([cipher.update(Buffer.concat([plaintext, Buffer.alloc(pad, pad)])), cipher.final()]);
  const hmac = createHmac('sha256', hmacKey).update(ciphertext).digest('hex');
  const body = Buffer.from([salt.toString('hex'), hmac, ciphertext.toString('hex')].join('\n'), 'latin1').toString(
    'hex',
  );
  const label = options.label && options.label !== 'default' ? options.label : undefined;
  const header = label ? `${VAULT_HEADER};1.2;AES256;${label}` : `${VAULT_HEADER};1.1;AES256`;
  const lines = [header];
  for (let i = 0; i < body.length; i += LINE) lines.push(body.slice(i, i + LINE));
  return lines.join('\n') + '\n';
}

/** `name: !vault |` and the vault text indented by 10, as `ansible-vault encrypt_string --name` prints it. */
export function vaultYamlBlock(vaultText: string, name?: string): string {
  return [
    `${name ? `${name}: ` : ''}!vault |`,
    ...vaultText
      .trimEnd()
      .split('\n')
      .map((l) => `          ${l}`),
  ].join('\n');
}
