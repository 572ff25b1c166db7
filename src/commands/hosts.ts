import {Command} from '@oclif/core';
import {inventoryArg, runFlags} from '../cli/flags.js';
import {parseCommand, runAndReport} from '../cli/run.js';

const {
  playbook,
  'vault-password-file': vaultPasswordFile,
  'vault-id': vaultId,
  'ask-vault-pass': askVaultPass,
  'extra-vars': extraVars,
  inventory,
  user,
  'private-key': privateKey,
  become,
  'ask-become-pass': askBecomePass,
  json,
  verbose,
} = runFlags;

export default class Hosts extends Command {
  static override summary =
    'Where each dhcp_hosts machine stands: local, build, installing or done, its last DHCP lease and fetches.';
  static override description =
    "Reads each PXE server's build states, DHCP lease file, dhcpd and tftpd journal and nginx access log through a read-only agent; changes nothing. Exit 0, 1 when a server cannot be read, 3 for invalid input.";
  static override args = inventoryArg;
  static override flags = {
    playbook,
    'vault-password-file': vaultPasswordFile,
    'vault-id': vaultId,
    'ask-vault-pass': askVaultPass,
    'extra-vars': extraVars,
    inventory,
    user,
    'private-key': privateKey,
    become,
    'ask-become-pass': askBecomePass,
    json,
    verbose,
  };
  static override examples = [
    '<%= config.bin %> hosts inventory/lab.yaml',
    '<%= config.bin %> hosts -i hosts.ini --json',
  ];

  async run(): Promise<void> {
    const {args, flags, output} = await parseCommand(this, (argv) => this.parse(Hosts, argv));
    const {hostsCommand} = await import('../cli/install.js');
    const {hostsText} = await import('../lifecycle/hosts.js');
    await runAndReport(
      output,
      () => hostsCommand(args.inventory, flags),
      (r) => void process.stdout.write(hostsText(r)),
    );
  }
}
