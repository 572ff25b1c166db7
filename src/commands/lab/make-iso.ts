import {Command, Flags} from '@oclif/core';
import {outputFlags} from '../../cli/flags.js';
import {parseCommand, runAndReport} from '../../cli/run.js';
import {makeIso} from '../../lab/make-iso.js';

export default class LabMakeIso extends Command {
  static override summary =
    "Build the lab's small CentOS-shaped install ISO (Debian kernel + busybox initrd that fetches its kickstart).";
  static override description =
    'Its initrd prints `PXEPROV-TEST-ISO version=N`, takes a DHCP lease, fetches ks= / inst.ks= over HTTP, prints `PXEPROV-KS sha256=…` and powers off. Two versions prove an ISO update. The kernel package is cached under /var/cache/pxeprov-lab.';
  static override flags = {
    version: Flags.integer({description: 'Version marker printed by the initrd.', default: 1, min: 1}),
    out: Flags.string({description: 'Path of the ISO to write.', required: true, helpValue: 'FILE'}),
    ...outputFlags,
  };
  static override examples = ['<%= config.bin %> lab make-iso --version 2 --out /srv/iso/test-2.iso'];

  async run(): Promise<void> {
    const {flags, output} = await parseCommand(this, (argv) => this.parse(LabMakeIso, argv));
    const log = (line: string) => process.stderr.write(`${line}\n`);
    await runAndReport(
      output,
      () => makeIso(flags.version, flags.out, log),
      (r) => console.log(`${r.path}: ${r.label}, kernel ${r.kernelRelease}`),
    );
  }
}
