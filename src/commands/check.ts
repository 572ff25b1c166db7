import {Command} from '@oclif/core';
import {inventoryArg, runFlags} from '../cli/flags.js';
import {parseCommand, runAndReport} from '../cli/run.js';

export default class Check extends Command {
  static override summary = 'Drift detection: read-only, every difference from the playbook as a unified diff.';
  static override description =
    'Runs through agents that refuse every write. Exit 0 no drift, 2 drift found, 1 a host failed or was unreachable, 3 invalid input; --json prints a report (schemas/report.schema.json) for cron and CI.';
  static override args = inventoryArg;
  static override flags = runFlags;
  static override examples = [
    '<%= config.bin %> check inventory/lab.yaml',
    '<%= config.bin %> check -i hosts.ini --json > drift.json || alert',
  ];

  async run(): Promise<void> {
    const {args, flags, output} = await parseCommand(this, (argv) => this.parse(Check, argv));
    const {runCommand, isListing} = await import('../cli/converge.js');
    const {listingText} = await import('../cli/list.js');
    const {useVaultFlags} = await import('../cli/vault.js');
    await runAndReport(
      output,
      async () => {
        await useVaultFlags(flags);
        return runCommand(args.inventory, flags, {check: true, diff: true}, output);
      },
      (r) => void (isListing(r) && process.stdout.write(listingText(r))),
    );
  }
}
