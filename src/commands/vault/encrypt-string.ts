import {Flags, Command} from '@oclif/core';
import {encryptFlags} from '../../cli/vault-flags.js';
import {parseCommand, runAndReport} from '../../cli/run.js';

export default class VaultEncryptString extends Command {
  static override summary =
    'Encrypt strings into `name: !vault |` YAML blocks to paste into an inventory or vars file, as ansible-vault encrypt_string does.';
  static override description =
    'Strings come from the arguments; "-", no argument or --stdin-name reads one from stdin (kept byte for byte).';
  static override strict = false;
  static override flags = {
    ...encryptFlags,
    output: Flags.string({
      description: 'Write the blocks to this file (atomically, 0600 when new) instead of stdout.',
      helpValue: 'FILE',
    }),
    name: Flags.string({
      char: 'n',
      multiple: true,
      multipleNonGreedy: true,
      description: 'Variable name of each string argument, in order.',
      helpValue: 'NAME',
    }),
    'stdin-name': Flags.string({description: 'Variable name of the string read from stdin.', helpValue: 'NAME'}),
  };
  static override examples = [
    "<%= config.bin %> vault encrypt-string --vault-password-file ~/.vault-pass --name ks_root_password 'S3cret!'",
    'printf %s "$PW" | <%= config.bin %> vault encrypt-string --vault-id prod@~/.vault-pass --stdin-name ks_root_password',
  ];

  async run(): Promise<void> {
    const {argv, flags, output} = await parseCommand(this, (args) => this.parse(VaultEncryptString, args));
    await runAndReport(
      output,
      async () => {
        const {vaultCommandSecrets, stringsToEncrypt} = await import('../../cli/vault.js');
        const {encryptSecret, encryptStrings, writeAtomically} = await import('../../vault/files.js');
        const items = stringsToEncrypt(argv as string[], flags.name ?? [], flags['stdin-name']);
        const secret = encryptSecret(await vaultCommandSecrets(flags, true), flags['encrypt-vault-id']);
        writeAtomically(flags.output ?? '-', encryptStrings(items, secret) + '\n');
      },
      () => undefined,
    );
  }
}
