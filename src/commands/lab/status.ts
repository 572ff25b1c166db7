import {Command} from '@oclif/core';
import {outputFlags} from '../../cli/flags.js';
import {parseCommand, runAndReport} from '../../cli/run.js';
import {labStatus} from '../../lab/lab.js';
import {formatStatus} from '../../lab/format.js';
import {prefixFlag} from '../../lab/flags.js';

export default class LabStatus extends Command {
  static override summary = 'Show what of the lab exists: host process, SSH, namespaces, overlay mount, NAT rules.';
  static override flags = {...prefixFlag, ...outputFlags};

  async run(): Promise<void> {
    const {flags, output} = await parseCommand(this, (argv) => this.parse(LabStatus, argv));
    await runAndReport(
      output,
      () => labStatus({prefix: flags.prefix}),
      (s) => console.log(formatStatus(s)),
    );
  }
}
