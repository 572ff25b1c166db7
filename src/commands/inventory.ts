import {Command, Flags} from '@oclif/core';
import {inventoryArg, inventoryFlag, outputFlags, vaultFlags} from '../cli/flags.js';
import {parseCommand, runAndReport} from '../cli/run.js';

export default class Inventory extends Command {
  static override summary = 'Show the resolved inventory like ansible-inventory: hosts, groups and merged variables.';
  static override description =
    'Secrets (variables named like password, secret, token or key, not *_file; and every value decrypted from a vault) print as ********.';
  static override args = inventoryArg;
  static override flags = {
    list: Flags.boolean({
      description: 'Every group and host with its variables (JSON, as ansible-inventory --list).',
      exactlyOne: ['list', 'graph', 'host'],
    }),
    graph: Flags.boolean({description: 'The group tree with its hosts.', exactlyOne: ['list', 'graph', 'host']}),
    host: Flags.string({
      description: 'The merged inventory variables of one host (JSON).',
      helpValue: 'NAME',
      exactlyOne: ['list', 'graph', 'host'],
    }),
    ...vaultFlags,
    ...inventoryFlag,
    ...outputFlags,
  };
  static override examples = [
    '<%= config.bin %> inventory hosts.ini --graph',
    '<%= config.bin %> inventory inventory/lab.yaml --host pxe1',
  ];

  async run(): Promise<void> {
    const {args, flags, output} = await parseCommand(this, (argv) => this.parse(Inventory, argv));
    const view = await import('../config/inventory-view.js');
    await runAndReport(
      output,
      async () => {
        await (await import('../cli/vault.js')).useVaultFlags(flags);
        const {loadInventory} = await import('../config/inventory.js');
        const {commandSettings, requireInventory} = await import('../cli/inputs.js');
        const inventory = loadInventory(requireInventory(commandSettings(args.inventory, flags)));
        if (flags.host) return view.inventoryHost(inventory, flags.host);
        return flags.graph ? view.inventoryGraph(inventory) : view.inventoryList(inventory);
      },
      (r) =>
        void process.stdout.write(
          (flags.graph ? view.graphText(r as ReturnType<typeof view.inventoryGraph>) : JSON.stringify(r, null, 4)) +
            '\n',
        ),
    );
  }
}
