import {Args, Command, Flags} from '@oclif/core';
import {inventoryFlag, outputFlags, playbookFlag, vaultFlags} from '../cli/flags.js';
import {parseCommand, runAndReport} from '../cli/run.js';

export default class Power extends Command {
  static override summary =
    'Power machines on, off or cycle them, or read their power state, through their BMC (IPMI over LAN).';
  static override description =
    'A machine is a dhcp_hosts entry with ipmi_address, ipmi_user and ipmi_password. ipmitool runs on the PXE server that lists it, through its agent, the password in its environment only. cycle powers on a machine that is off. Exit 0 when every machine did it, 1 when one failed (its BMC refused or did not answer), 3 for invalid input (an unknown machine, one without a BMC).';
  static override strict = false;
  static override args = {
    action: Args.string({
      description: 'What to do; cycle powers on a machine that is off.',
      required: true,
      options: ['status', 'on', 'off', 'cycle'],
    }),
    hosts: Args.string({
      description:
        'Machines (dhcp_hosts names), then optionally the inventory [default: -i, $PXEPROV_INVENTORY, $ANSIBLE_INVENTORY, inventory in ansible.cfg].',
      required: true,
    }),
  };
  static override flags = {
    ...inventoryFlag,
    ...playbookFlag,
    ...vaultFlags,
    limit: Flags.string({
      char: 'l',
      description:
        'Only the PXE servers matching this pattern act (a machine listed by several: the first that matches).',
      helpValue: 'PATTERN',
    }),
    'extra-vars': Flags.string({
      char: 'e',
      multiple: true,
      description: 'Variables that win over all others: key=value, @file.yaml, or a JSON object. Repeatable.',
      helpValue: 'VARS',
    }),
    ...outputFlags,
  };
  static override examples = [
    '<%= config.bin %> power status node01 node02 inventory.yaml',
    '<%= config.bin %> power cycle node01 -i inventory.yaml --json',
  ];

  async run(): Promise<void> {
    const {args, argv, flags, output} = await parseCommand(this, (a) => this.parse(Power, a));
    const [{loadMachines}, {powerHosts}, {powerText}] = await Promise.all([
      import('../cli/machines.js'),
      import('../power/power.js'),
      import('../power/format.js'),
    ]);
    const report = await runAndReport(
      output,
      async () => {
        const machines = await loadMachines((argv as string[]).slice(1), flags);
        return powerHosts(machines.hosts, args.action as 'status', {connectionVars: machines.connectionVars});
      },
      (r) => console.log(powerText(r)),
    );
    if (report && !report.ok) process.exitCode = 1;
  }
}
