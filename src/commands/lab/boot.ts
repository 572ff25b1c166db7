import {Command, Flags} from '@oclif/core';
import {outputFlags} from '../../cli/flags.js';
import {parseCommand, runAndReport} from '../../cli/run.js';
import {bootClient} from '../../lab/boot.js';
import {formatBoot} from '../../lab/format.js';
import {prefixFlag} from '../../lab/flags.js';

export default class LabBoot extends Command {
  static override summary = 'Power on a QEMU PXE client on the lab LAN and time its boot up to the kickstart. Root.';
  static override description =
    "BIOS: SeaBIOS + iPXE ROM (e1000). UEFI: OVMF with virtio-net and the firmware's own PXE. Reads the serial console into a timeline (DHCP, boot file, menu, kernel, initrd, kickstart) and always ends QEMU. Exit 1 when the client does not reach its kickstart.";
  static override flags = {
    ...prefixFlag,
    uefi: Flags.boolean({description: 'Boot with UEFI firmware (OVMF) instead of BIOS.'}),
    'secure-boot': Flags.boolean({
      description: 'UEFI with Secure Boot enforced (Microsoft keys enrolled); implies --uefi.',
    }),
    ipxe: Flags.boolean({
      description: "UEFI through QEMU's iPXE EFI ROM instead of the firmware's own PXE; implies --uefi.",
    }),
    'http-boot': Flags.boolean({
      description:
        "UEFI HTTP Boot: the firmware's PXE is off, so it asks DHCP for a boot URL (vendor class HTTPClient); implies --uefi.",
    }),
    nic: Flags.string({
      description: 'BIOS client NIC (its iPXE ROM comes with it); UEFI clients use virtio.',
      options: ['e1000', 'virtio'],
      default: 'e1000',
    }),
    mac: Flags.string({
      description: 'MAC address of the client (default: random 52:54:00:xx:xx:xx).',
      helpValue: 'MAC',
    }),
    timeout: Flags.integer({
      description: 'Seconds before the client is declared failed and stopped.',
      default: 90,
      min: 5,
    }),
    verbose: outputFlags.verbose,
    json: outputFlags.json,
  };

  async run(): Promise<void> {
    const {flags, output} = await parseCommand(this, (argv) => this.parse(LabBoot, argv));
    const log = output.verbose && !output.json ? (line: string) => process.stderr.write(`${line}\n`) : undefined;
    const result = await runAndReport(
      output,
      () =>
        bootClient({
          prefix: flags.prefix,
          uefi: flags.uefi || flags['secure-boot'] || flags.ipxe || flags['http-boot'],
          secureBoot: flags['secure-boot'],
          ipxe: flags.ipxe,
          httpBoot: flags['http-boot'],
          nic: flags.nic as 'e1000' | 'virtio',
          mac: flags.mac,
          timeoutSeconds: flags.timeout,
          log,
        }),
      (r) => console.log(formatBoot(r)),
    );
    if (result && !result.ok) process.exitCode = 1;
  }
}
