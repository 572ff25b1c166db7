import {Command, Flags} from '@oclif/core';
import {DEFAULT_PLAYBOOK, inventoryArg, inventoryFlag, outputFlags, playbookFlag, vaultFlags} from '../cli/flags.js';
import {parseCommand, runAndReport} from '../cli/run.js';

export default class Validate extends Command {
  static override summary =
    'Check the inventory, the playbook, its roles and every task’s arguments; connects to nothing.';
  static override description =
    'Exit 0 when everything is valid, 3 with every error (file:line:col, expected, hint) otherwise.';
  static override args = inventoryArg;
  static override flags = {
    ...playbookFlag,
    ...inventoryFlag,
    limit: Flags.string({
      char: 'l',
      description: 'Also check that this host pattern matches the inventory.',
      helpValue: 'PATTERN',
    }),
    'extra-vars': Flags.string({
      char: 'e',
      multiple: true,
      description: 'Check these -e values too (key=value, @file.yaml, JSON).',
      helpValue: 'VARS',
    }),
    ...vaultFlags,
    ...outputFlags,
  };
  static override examples = [
    '<%= config.bin %> validate inventory/lab.yaml',
    '<%= config.bin %> validate hosts.ini -p site.yaml --json',
  ];

  async run(): Promise<void> {
    const {args, flags, output} = await parseCommand(this, (argv) => this.parse(Validate, argv));
    await runAndReport(
      output,
      async () => {
        await (await import('../cli/vault.js')).useVaultFlags(flags);
        const {validate} = await import('../config/validate.js');
        const {commandSettings, requireInventory} = await import('../cli/inputs.js');
        const settings = commandSettings(args.inventory, flags);
        return validate({
          inventory: requireInventory(settings),
          playbook: flags.playbook ?? DEFAULT_PLAYBOOK,
          limit: flags.limit,
          extraVars: flags['extra-vars'],
          rolesPath: settings.rolesPath,
          vaultPasswordFiles: settings.vaultPasswordFiles,
        });
      },
      (r) => {
        for (const w of r.warnings) process.stderr.write(`[WARNING]: ${w}\n`);
        process.stdout.write(
          `ok: ${r.plays} plays, ${r.tasks} tasks, ${r.handlers} handlers, ${r.roles.length} roles, ${r.hosts} hosts\n`,
        );
      },
    );
  }
}
