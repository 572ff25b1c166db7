import {Command, Flags} from '@oclif/core';
import {inventoryArg, runFlags} from '../cli/flags.js';
import {parseCommand, runAndReport} from '../cli/run.js';

export default class Up extends Command {
  static override summary =
    'Converge the hosts to the playbook: read, diff, apply only what differs, restart only what changed.';
  static override description =
    'Exit 0 when every host converged, 1 when a host failed or was unreachable, 2 with --check when something would change, 3 for invalid input.';
  static override args = inventoryArg;
  static override flags = {
    ...runFlags,
    check: Flags.boolean({
      char: 'C',
      description: 'Plan only: read and diff through a read-only agent, change nothing (same as `pxeprov check`).',
    }),
    diff: Flags.boolean({char: 'D', description: 'Show a unified diff for every change.'}),
  };
  static override examples = [
    '<%= config.bin %> up inventory/lab.yaml',
    '<%= config.bin %> up hosts.ini -l pxe01 -t dhcp --diff',
    '<%= config.bin %> up -i hosts.ini --check --diff',
  ];

  async run(): Promise<void> {
    const {args, flags, output} = await parseCommand(this, (argv) => this.parse(Up, argv));
    const {runCommand, isListing} = await import('../cli/converge.js');
    const {listingText} = await import('../cli/list.js');
    const {useVaultFlags} = await import('../cli/vault.js');
    await runAndReport(
      output,
      async () => {
        await useVaultFlags(flags);
        return runCommand(
          args.inventory,
          flags,
          {check: Boolean(flags.check), diff: Boolean(flags.diff || flags.check)},
          output,
        );
      },
      (r) => void (isListing(r) && process.stdout.write(listingText(r))),
    );
  }
}
