import {Command} from '@oclif/core';
import {encryptFlags} from '../../cli/vault-flags.js';
import {parseCommand, runAndReport} from '../../cli/run.js';
import {inputFiles} from '../../cli/vault.js';

export default class VaultEncrypt extends Command {
  static override summary =
    'Encrypt files in place (or to --output) as ansible-vault encrypt does; no file or "-" reads stdin.';
  static override strict = false;
  static override flags = encryptFlags;
  static override examples = [
    '<%= config.bin %> vault encrypt group_vars/all/vault.yml --vault-password-file ~/.vault-pass',
    '<%= config.bin %> vault encrypt --vault-id prod@prompt secrets.yml',
  ];

  async run(): Promise<void> {
    const {argv, flags, output} = await parseCommand(this, (args) => this.parse(VaultEncrypt, args));
    await runAndReport(
      output,
      async () => {
        const files = inputFiles(argv, flags.output);
        const {vaultCommandSecrets} = await import('../../cli/vault.js');
        const {encryptFile, encryptSecret} = await import('../../vault/files.js');
        const secret = encryptSecret(await vaultCommandSecrets(flags, true), flags['encrypt-vault-id']);
        for (const file of files) encryptFile(file, secret, flags.output ?? (file === '-' ? '-' : undefined));
      },
      () => undefined,
    );
  }
}
