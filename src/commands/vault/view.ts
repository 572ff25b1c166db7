import {Args, Command} from '@oclif/core';
import {decryptFlags} from '../../cli/vault-flags.js';
import {parseCommand, runAndReport} from '../../cli/run.js';
import {inputFiles} from '../../cli/vault.js';

export default class VaultView extends Command {
  static override summary = 'Print the decrypted content of vault files on stdout (the files stay encrypted).';
  static override strict = false;
  static override args = {file: Args.string({description: 'Vault file(s) to show.', required: true})};
  static override flags = decryptFlags;
  static override examples = [
    '<%= config.bin %> vault view group_vars/all/vault.yml --vault-password-file ~/.vault-pass',
  ];

  async run(): Promise<void> {
    const {argv, flags, output} = await parseCommand(this, (args) => this.parse(VaultView, args));
    await runAndReport(
      output,
      async () => {
        const files = inputFiles(argv);
        const {vaultCommandSecrets} = await import('../../cli/vault.js');
        const {decryptedContent} = await import('../../vault/files.js');
        const secrets = await vaultCommandSecrets(flags);
        return files.map((file) => decryptedContent(file, secrets));
      },
      (contents) => {
        for (const content of contents) process.stdout.write(content);
      },
    );
  }
}
