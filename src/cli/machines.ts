/**
 * What the commands that act on machines (dhcp_hosts entries) share with `install`: `HOST... [INVENTORY]`
 * arguments, the inputs they are looked up in, and the connection defaults of the PXE servers that act.
 */
import {connectionDefaults, type Settings} from '../config/settings.js';
import {selectHosts} from '../config/host-pattern.js';
import {loadInputs} from '../config/validate.js';
import type {Vars} from '../config/model.js';
import {pxeServers} from '../lifecycle/reservations.js';
import {findManagedHosts, type ManagedHost} from '../power/targets.js';
import {DEFAULT_PLAYBOOK} from './flags.js';
import {commandSettings, requireInventory, type SettingsFlags} from './inputs.js';
import {splitHostsAndInventory} from './install.js';
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
  const {hosts, inventory: positional} = splitHostsAndInventory(args, flags.inventory);
  await useVaultFlags(flags);
  const settings = commandSettings(positional, flags);
  return {hosts: machinesIn(hosts, settings, flags), connectionVars: connectionDefaults(settings)};
}

/** The machines of `names` in the inputs the settings and flags name (vault passwords already in use). */
export function machinesIn(names: string[], settings: Settings, flags: MachineFlags): ManagedHost[] {
  const inputs = loadInputs({inventory: requireInventory(settings), playbook: flags.playbook ?? DEFAULT_PLAYBOOK, extraVars: flags['extra-vars'], rolesPath: settings.rolesPath, vaultPasswordFiles: settings.vaultPasswordFiles});
  const limit = flags.limit ? new Set(selectHosts(inputs.inventory, flags.limit)) : undefined;
  return findManagedHosts(names, pxeServers(inputs, limit));
}
