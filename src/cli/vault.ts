/** The vault flags of the commands that load inputs: resolve the passwords once, before anything is read. */
import type {VaultSecret} from '../vault/secrets.js';

export interface VaultFlagValues {
  'vault-password-file'?: string[];
  'vault-id'?: string[];
  'ask-vault-pass'?: boolean;
}

/** The passwords from the flags and the environment (ANSIBLE_VAULT_IDENTITY_LIST, ANSIBLE_VAULT_PASSWORD_FILE). */
export async function vaultSecretsFromFlags(flags: VaultFlagValues, confirm = false): Promise<VaultSecret[]> {
  const {resolveVaultSecrets, vaultSourcesFromEnv} = await import('../vault/secrets.js');
  return resolveVaultSecrets({passwordFiles: flags['vault-password-file'], ids: flags['vault-id'], ask: flags['ask-vault-pass'], confirm, ...vaultSourcesFromEnv()});
}

/** Resolve the passwords and hand them to the input loaders. */
export async function useVaultFlags(flags: VaultFlagValues): Promise<void> {
  const {useVaultSecrets} = await import('../vault/keyring.js');
  useVaultSecrets(await vaultSecretsFromFlags(flags));
}
