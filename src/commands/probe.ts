import {Command, Flags} from '@oclif/core';
import {outputFlags} from '../cli/flags.js';
import {parseCommand, runAndReport} from '../cli/run.js';
import {runProbe} from '../probe/probe.js';
import {probeInNetns} from '../probe/netns.js';
import {formatProbe} from '../probe/format.js';

export default class Probe extends Command {
  static override summary =
    'Check a PXE server from the outside, as a client would: DHCP offers, boot file, config, kernels and initrds. Root.';
  static override description =
    "Sends DHCPDISCOVER with the PXE vendor class (never a REQUEST: no lease is kept), lists every offer and warns when two servers answer, fetches the boot file over TFTP, then the pxelinux.cfg files in pxelinux's order (or shim/GRUB and grub.cfg for UEFI; for iPXE, asks DHCP again as iPXE and reads the iPXE script it gets, the client's own one first), and checks every kernel and initrd named. Exit 0 when a client would boot, 1 with the failing step otherwise.";
  static override flags = {
    iface: Flags.string({
      description: 'Interface facing the PXE LAN; 255.255.255.255 must route out of it.',
      required: true,
      helpValue: 'IF',
    }),
    arch: Flags.string({
      description: 'Client architecture sent in options 60 and 93.',
      options: ['bios', 'uefi'],
      default: 'bios',
    }),
    mac: Flags.string({description: "Client MAC in the DISCOVER (default: the interface's).", helpValue: 'MAC'}),
    uuid: Flags.string({description: 'Client UUID (option 97) (default: random).', helpValue: 'UUID'}),
    netns: Flags.string({
      description: 'Run inside this network namespace (the lab: pxl-lan with --iface pxl-br).',
      helpValue: 'NS',
    }),
    wait: Flags.integer({description: 'Seconds to collect DHCP offers.', default: 3, min: 1}),
    'allow-default-route': Flags.boolean({
      description: 'Probe even when IF carries the default route (refused by default: that is an uplink).',
    }),
    'grub-dir': Flags.string({
      description: 'UEFI: directory of grub.cfg on the TFTP server.',
      default: 'grub',
      helpValue: 'DIR',
    }),
    ...outputFlags,
  };
  static override examples = [
    '<%= config.bin %> probe --iface eth1',
    '<%= config.bin %> probe --netns pxl-lan --iface pxl-br --arch uefi --json',
  ];

  async run(): Promise<void> {
    const {flags, output} = await parseCommand(this, (argv) => this.parse(Probe, argv));
    const options = {
      iface: flags.iface,
      arch: flags.arch as 'bios' | 'uefi',
      mac: flags.mac,
      uuid: flags.uuid,
      wait: flags.wait,
      grubDir: flags['grub-dir'],
      allowDefaultRoute: flags['allow-default-route'],
    };
    const report = await runAndReport(
      output,
      () => (flags.netns ? probeInNetns(flags.netns, options) : runProbe(options)),
      (r) => console.log(formatProbe(r)),
    );
    if (report && !report.ok) process.exitCode = 1;
  }
}
