/**
 * What the commands that act on machines (dhcp_hosts entries) share with `install`: `HOST... [INVENTORY]`
 * arguments, the inputs they are looked up in, and the connection defaults of the PXE servers that act.
 */
import {existsSync} from 'node:fs';
import {connectionDefaults, type Settings} from '../config/settings.js';
import {selectHosts} from '../config/host-pattern.js';
import {loadInputs} from '../config/validate.js';
import {PxeError} from '../errors.js';
import type {Vars} from '../config/model.js';
import {pxeServers} from '../lifecycle/reservations.js';
import {findManagedHosts, type ManagedHost} from '../power/targets.js';
import {DEFAULT_PLAYBOOK} from './flags.js';
import {commandSettings, requireInventory, type SettingsFlags} from './inputs.js';
import {useVaultFlags, type VaultFlagValues} from './vault.js';

export interface MachineFlags extends SettingsFlags, VaultFlagValues {
  playbook?: string;
  limit?: string;
  'extra-vars'?: string[];
}

export interface Machines {
  hosts: ManagedHost[];
  /** -u, --private-key, ansible.cfg: below every inventory variable. */
  connectionVars: Vars;
}

/** The named machines, each with the PXE server that lists it; unknown names are one input error (exit 3). */
export async function loadMachines(args: string[], flags: MachineFlags): Promise<Machines> {
  const {hosts, inventory: positional} = splitHostsAndInventory(args, flags.inventory, 'power');
  await useVaultFlags(flags);
  const settings = commandSettings(positional, flags);
  return {hosts: machinesIn(hosts, settings, flags), connectionVars: connectionDefaults(settings)};
}

/** The machines of `names` in the inputs the settings and flags name (vault passwords already in use). */
export function machinesIn(names: string[], settings: Settings, flags: MachineFlags): ManagedHost[] {
  const inputs = loadInputs({
    inventory: requireInventory(settings),
    playbook: flags.playbook ?? DEFAULT_PLAYBOOK,
    extraVars: flags['extra-vars'],
    rolesPath: settings.rolesPath,
    vaultPasswordFiles: settings.vaultPasswordFiles,
  });
  const limit = flags.limit ? new Set(selectHosts(inputs.inventory, flags.limit)) : undefined;
  return findManagedHosts(names, pxeServers(inputs, limit));
}

/** HOST... [INVENTORY]: the last argument is the inventory when -i is not given and it names a path. */
export function splitHostsAndInventory(
  argv: string[],
  inventoryFlag: string | undefined,
  command: 'install' | 'power',
): {hosts: string[]; inventory?: string} {
  const last = argv.at(-1);
  const inventory =
    inventoryFlag === undefined && argv.length > 1 && last !== undefined && existsSync(last) ? last : undefined;
  const hosts = inventory === undefined ? argv : argv.slice(0, -1);
  const flag = hosts.find((h) => h.startsWith('-'));
  if (hosts.length === 0 || flag !== undefined) {
    throw new PxeError('E_USAGE', flag ? `unknown flag ${flag}` : 'no host given', {
      expected: `pxeprov ${command}${command === 'power' ? ' ACTION' : ''} HOST... [INVENTORY]`,
      hint: `see pxeprov ${command} --help`,
    });
  }
  return inventory === undefined ? {hosts} : {hosts, inventory};
}
