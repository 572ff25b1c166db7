import {Args, Command} from '@oclif/core';
import {labNames} from '../../lab/names.js';
import {sshInteractive} from '../../lab/ssh.js';
import {prefixFlag} from '../../lab/flags.js';

export default class LabSsh extends Command {
  static override summary = 'Open a root shell on the lab host, or run a command there: pxeprov lab ssh -- CMD...';
  static override strict = false;
  static override args = {
    command: Args.string({description: 'Command to run on the lab host (after --).', required: false}),
  };
  static override flags = prefixFlag;
  static override examples = [
    '<%= config.bin %> lab ssh',
    '<%= config.bin %> lab ssh -- systemctl status isc-dhcp-server',
  ];

  async run(): Promise<void> {
    const {flags, argv} = await this.parse(LabSsh);
    process.exitCode = await sshInteractive(labNames(flags.prefix), argv as string[]);
  }
}
