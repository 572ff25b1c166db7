import {Command} from '@oclif/core';
import {decryptFlags, outputFlag} from '../../cli/vault-flags.js';
import {parseCommand, runAndReport} from '../../cli/run.js';
import {inputFiles} from '../../cli/vault.js';

export default class VaultDecrypt extends Command {
  static override summary =
    'Decrypt vault files in place (or to --output) as ansible-vault decrypt does; no file or "-" reads stdin.';
  static override strict = false;
  static override flags = {...decryptFlags, ...outputFlag};
  static override examples = [
    '<%= config.bin %> vault decrypt group_vars/all/vault.yml --vault-password-file ~/.vault-pass',
    '<%= config.bin %> vault decrypt secrets.yml --output - --ask-vault-pass',
  ];

  async run(): Promise<void> {
    const {argv, flags, output} = await parseCommand(this, (args) => this.parse(VaultDecrypt, args));
    await runAndReport(
      output,
      async () => {
        const files = inputFiles(argv, flags.output);
        const {vaultCommandSecrets} = await import('../../cli/vault.js');
        const {decryptFile} = await import('../../vault/files.js');
        const secrets = await vaultCommandSecrets(flags);
        for (const file of files) decryptFile(file, secrets, flags.output ?? (file === '-' ? '-' : undefined));
      },
      () => undefined,
    );
  }
}
