import {Command, Flags} from '@oclif/core';
import {outputFlags} from '../../cli/flags.js';
import {parseCommand, runAndReport} from '../../cli/run.js';
import {prefixFlag} from '../../lab/flags.js';

export default class LabDemo extends Command {
  static override summary =
    'The whole chain on this machine: lab up, pxeprov up on the lab host, a BIOS client boots to its kickstart. Root.';
  static override description =
    'Leaves the lab up for you to explore (`pxeprov lab ssh`, `pxeprov check inventory/lab.yaml`, `pxeprov lab boot --uefi`); `pxeprov lab down` removes it. Exit 1 when the client does not reach its kickstart.';
  static override flags = {
    ...prefixFlag,
    inventory: Flags.string({
      description: 'Where to write the lab inventory.',
      default: 'inventory/lab.yaml',
      helpValue: 'FILE',
    }),
    ...outputFlags,
  };

  async run(): Promise<void> {
    const {flags, output} = await parseCommand(this, (argv) => this.parse(LabDemo, argv));
    const [{labDemo}, {formatBoot}, {pickRenderer}] = await Promise.all([
      import('../../lab/demo.js'),
      import('../../lab/format.js'),
      import('../../report/renderer.js'),
    ]);
    const renderer = await pickRenderer({json: output.json, diff: false, verbose: output.verbose});
    const log = output.json ? undefined : (line: string) => process.stderr.write(`${line}\n`);
    const result = await runAndReport(
      output,
      () => labDemo({prefix: flags.prefix, inventory: flags.inventory, log, emit: (e) => renderer.handle(e)}),
      async (r) => {
        await renderer.finish();
        console.log(formatBoot(r.boot));
        console.log(
          `\nThe lab stays up: pxeprov check ${r.lab.inventory} | pxeprov lab boot --uefi | pxeprov lab ssh | pxeprov lab down`,
        );
      },
    );
    if (result && !result.boot.ok) process.exitCode = 1;
  }
}
