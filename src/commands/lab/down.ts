import {Command} from '@oclif/core';
import {outputFlags} from '../../cli/flags.js';
import {parseCommand, runAndReport} from '../../cli/run.js';
import {labDown} from '../../lab/lab.js';
import {prefixFlag} from '../../lab/flags.js';

export default class LabDown extends Command {
  static override summary =
    'Remove everything the lab made: host, QEMU clients, mounts, namespaces, links, NAT rules, state. Root.';
  static override description =
    'The cached base under /var/cache/pxeprov-lab stays, so the next `lab up` takes seconds.';
  static override flags = {...prefixFlag, ...outputFlags};

  async run(): Promise<void> {
    const {flags, output} = await parseCommand(this, (argv) => this.parse(LabDown, argv));
    await runAndReport(
      output,
      () => labDown({prefix: flags.prefix}),
      (r) =>
        console.log(r.removed ? `lab ${r.prefix} removed` : `lab ${r.prefix}: nothing recorded; leftovers removed`),
    );
  }
}
