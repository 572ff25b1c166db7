/** The vault flags of the commands that load inputs: resolve the passwords once, before anything is read. */
import {readFileSync} from 'node:fs';
import {PxeError} from '../errors.js';
import type {VaultSecret} from '../vault/decrypt.js';

export interface VaultFlagValues {
  'vault-password-file'?: string[];
  'vault-id'?: string[];
  'ask-vault-pass'?: boolean;
}

/** The passwords from the flags and the environment (ANSIBLE_VAULT_IDENTITY_LIST, ANSIBLE_VAULT_PASSWORD_FILE). */
export async function vaultSecretsFromFlags(flags: VaultFlagValues, confirm = false): Promise<VaultSecret[]> {
  const {resolveVaultSecrets, vaultSourcesFromEnv} = await import('../vault/secrets.js');
  return resolveVaultSecrets({
    passwordFiles: flags['vault-password-file'],
    ids: flags['vault-id'],
    ask: flags['ask-vault-pass'],
    confirm,
    ...vaultSourcesFromEnv(),
  });
}

/** Resolve the passwords and hand them to the input loaders. */
export async function useVaultFlags(flags: VaultFlagValues): Promise<void> {
  const {useVaultSecrets} = await import('../vault/keyring.js');
  useVaultSecrets(await vaultSecretsFromFlags(flags));
}

/** `pxeprov vault ...`: like ansible-vault, ask on the terminal when no password source is given. */
export async function vaultCommandSecrets(flags: VaultFlagValues, confirm = false): Promise<VaultSecret[]> {
  const secrets = await vaultSecretsFromFlags(flags, confirm);
  return secrets.length > 0 ? secrets : vaultSecretsFromFlags({...flags, 'ask-vault-pass': true}, confirm);
}

/** The files a vault command works on: none means stdin ("-"); --output takes one input only. */
export function inputFiles(argv: unknown[], output?: string): string[] {
  const files = argv.length ? (argv as string[]) : ['-'];
  if (output !== undefined && files.length > 1)
    throw new PxeError('E_USAGE', '--output takes one input file only', {
      expected: 'one file with --output',
      hint: 'run the command once per file',
    });
  return files;
}

/**
 * encrypt-string's inputs as ansible-vault takes them: string arguments named by --name in order, and stdin
 * (read whole, byte for byte) when "-" is an argument, when there is no argument, or with --stdin-name.
 */
export function stringsToEncrypt(
  args: readonly string[],
  names: readonly string[],
  stdinName?: string,
): Array<{text: string; name?: string}> {
  const strings = args.filter((a) => a !== '-');
  const items: Array<{text: string; name?: string}> = [];
  if (args.includes('-') || args.length === 0 || stdinName !== undefined) {
    const text = readFileSync(0, 'utf8');
    if (text === '')
      throw new PxeError('E_USAGE', 'stdin was empty: nothing to encrypt', {
        expected: 'the secret on stdin',
        hint: 'printf %s "$SECRET" | pxeprov vault encrypt-string --stdin-name NAME',
      });
    items.push({text, name: stdinName});
  }
  if (names.length > strings.length)
    throw new PxeError('E_USAGE', `${names.length} --name for ${strings.length} strings`, {
      expected: 'one --name per string argument',
      hint: 'give each string after its --name',
    });
  strings.forEach((text, i) => {
    if (text === '')
      throw new PxeError('E_USAGE', 'an empty string cannot be encrypted', {
        expected: 'a non-empty string',
        hint: 'quote the value for the shell',
      });
    items.push({text, name: names[i]});
  });
  return items;
}
