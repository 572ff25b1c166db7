import {Args, Command, Flags} from '@oclif/core';
import {runFlags} from '../cli/flags.js';
import {parseCommand, runAndReport} from '../cli/run.js';

const {
  playbook,
  'vault-password-file': vaultPasswordFile,
  'vault-id': vaultId,
  'ask-vault-pass': askVaultPass,
  'extra-vars': extraVars,
  forks,
  inventory,
  user,
  'private-key': privateKey,
  become,
  'ask-become-pass': askBecomePass,
  json,
  verbose,
} = runFlags;

export default class Install extends Command {
  static override summary = 'Put hosts into build mode: their next network boot installs their profile, once.';
  static override description =
    "Each host's BIOS and UEFI menus on its PXE server default to its profile until its installer calls back; the server then turns them to the local disk by itself. The last argument is the inventory when it names a file or directory (or give -i). Exit 0 done, 1 a server failed, 3 an unknown host, one without a MAC or a profile (nothing is changed then).";
  static override strict = false;
  static override args = {
    host: Args.string({description: 'Hosts of dhcp_hosts, then the inventory (optional, as for up).', required: true}),
  };
  static override flags = {
    playbook,
    'vault-password-file': vaultPasswordFile,
    'vault-id': vaultId,
    'ask-vault-pass': askVaultPass,
    'extra-vars': extraVars,
    forks,
    inventory,
    user,
    'private-key': privateKey,
    become,
    'ask-become-pass': askBecomePass,
    json,
    verbose,
    reboot: Flags.boolean({
      description:
        "Then, through each host's BMC (ipmi_address in dhcp_hosts): next boot from the network, and a power cycle (power on when off). A host whose power step fails stays in build mode and the output says so (exit 1); a host without a BMC is an input error before anything changes.",
    }),
  };
  static override examples = [
    '<%= config.bin %> install node01 inventory/lab.yaml',
    '<%= config.bin %> install -i hosts.ini node01 node02',
    '<%= config.bin %> install node01 --reboot inventory/lab.yaml',
  ];

  async run(): Promise<void> {
    const {argv, flags, output} = await parseCommand(this, (args) => this.parse(Install, args));
    const {installCommand} = await import('../cli/install.js');
    const {installText} = await import('../lifecycle/install.js');
    await runAndReport(
      output,
      () => installCommand(argv as string[], flags, output),
      (r) => void process.stdout.write(installText(r)),
    );
  }
}
