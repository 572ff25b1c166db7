import {Command, Flags} from '@oclif/core';
import {outputFlags} from '../../cli/flags.js';
import {parseCommand, runAndReport} from '../../cli/run.js';
import {labUp} from '../../lab/lab.js';
import {formatLabUp} from '../../lab/format.js';
import {prefixFlag} from '../../lab/flags.js';

export default class LabUp extends Command {
  static override summary =
    'Build or repair the local lab: a Debian PXE-server host (systemd-nspawn) on a lab LAN. Root.';
  static override description =
    'Idempotent. The first run debootstraps a base into /var/cache/pxeprov-lab (about a minute); later runs reuse it. Writes the inventory and prints the next command.';
  static override flags = {
    ...prefixFlag,
    fresh: Flags.boolean({description: 'Throw the lab host away and start again from the cached base (seconds).'}),
    vm: Flags.boolean({
      description:
        'A QEMU VM (udev, NetworkManager, netplan, nfsd really work) instead of a container; boots in about 40 s.',
    }),
    bmc: Flags.boolean({
      description:
        "Also two client machines (node01 BIOS, node02 UEFI) each with a simulated BMC (ipmi_sim) on the LAN, listed in the inventory's dhcp_hosts: `pxeprov power` and `install --reboot` drive them. Kept by later `lab up`s.",
    }),
    inventory: Flags.string({
      description: 'Where to write the lab inventory.',
      default: 'inventory/lab.yaml',
      helpValue: 'FILE',
    }),
    ...outputFlags,
  };
  static override examples = [
    '<%= config.bin %> lab up',
    '<%= config.bin %> lab up --fresh',
    '<%= config.bin %> lab up --vm',
    '<%= config.bin %> lab up --bmc',
    '<%= config.bin %> lab up --prefix lab2 --inventory /tmp/lab2.yaml',
  ];

  async run(): Promise<void> {
    const {flags, output} = await parseCommand(this, (argv) => this.parse(LabUp, argv));
    const log = (line: string) => process.stderr.write(`${line}\n`);
    await runAndReport(
      output,
      () =>
        labUp({
          prefix: flags.prefix,
          fresh: flags.fresh,
          vm: flags.vm,
          bmc: flags.bmc,
          inventory: flags.inventory,
          log,
        }),
      (r) => console.log(formatLabUp(r)),
    );
  }
}
