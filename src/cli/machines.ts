/**
 * What the commands that act on machines (dhcp_hosts entries) share: `HOST... [INVENTORY]` arguments, the
 * inputs they are looked up in, and the connection defaults of the PXE servers that act for them.
 */
import {existsSync} from 'node:fs';
import {connectionDefaults} from '../config/settings.js';
import {loadInventory} from '../config/inventory.js';
import {parseExtraVars} from '../config/extra-vars.js';
import {loadPlaybook} from '../config/playbook.js';
import type {Vars} from '../config/model.js';
import {PxeError} from '../errors.js';
import {findManagedHosts, type ManagedHost} from '../power/targets.js';
import {DEFAULT_PLAYBOOK} from './flags.js';
import {commandSettings, requireInventory, type SettingsFlags} from './inputs.js';
import {useVaultFlags, type VaultFlagValues} from './vault.js';

export interface MachineFlags extends SettingsFlags, VaultFlagValues {
  playbook?: string;
  limit?: string;
  'extra-vars'?: string[];
}

/**
 * `HOST... [INVENTORY]`: the last argument is the inventory when it names an existing file or directory (a
 * machine's name never holds a '/'; `./hosts` does), else every argument is a machine.
 */
export function splitMachineArgs(args: string[]): {hosts: string[]; inventory?: string} {
  const last = args.at(-1);
  const isInventory = last !== undefined && args.length > 1 && (last.includes('/') || existsSync(last));
  const hosts = isInventory ? args.slice(0, -1) : args;
  if (hosts.length === 0) throw new PxeError('E_USAGE', 'no HOST given', {expected: 'one or more dhcp_hosts names, then optionally the inventory', hint: 'e.g. pxeprov power status node01 inventory.yaml'});
  return {hosts, inventory: isInventory ? last : undefined};
}

export interface Machines {
  hosts: ManagedHost[];
  /** -u, --private-key, ansible.cfg: below every inventory variable. */
  connectionVars: Vars;
}

/** The named machines, each with the PXE server that lists it; unknown names are one input error (exit 3). */
export async function loadMachines(args: string[], flags: MachineFlags): Promise<Machines> {
  const {hosts, inventory: positional} = splitMachineArgs(args);
  const settings = commandSettings(positional, flags);
  await useVaultFlags(flags);
  const inventory = loadInventory(requireInventory(settings));
  const extraVars = parseExtraVars(flags['extra-vars']);
  const playbook = loadPlaybook(flags.playbook ?? DEFAULT_PLAYBOOK, {extraVars, rolesPath: settings.rolesPath});
  return {hosts: findManagedHosts(hosts, {inventory, playbook, extraVars, limit: flags.limit}), connectionVars: connectionDefaults(settings)};
}
