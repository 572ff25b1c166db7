/** The bodies of `install` and `hosts`: hosts and inventory from the arguments, settings, then the library. */
import {existsSync} from 'node:fs';
import {connectionDefaults} from '../config/settings.js';
import {exitCodeOf} from '../engine/events.js';
import {PxeError} from '../errors.js';
import {listHosts, type HostsResult} from '../lifecycle/hosts.js';
import {startBuilds, type InstallResult} from '../lifecycle/install.js';
import {pickRenderer} from '../report/renderer.js';
import {DEFAULT_PLAYBOOK} from './flags.js';
import {askBecomePass, commandSettings, requireInventory} from './inputs.js';
import type {Output} from './run.js';
import {useVaultFlags} from './vault.js';

export interface InstallFlags {
  playbook?: string;
  inventory?: string;
  'extra-vars'?: string[];
  forks?: number;
  user?: string;
  'private-key'?: string;
  become: boolean;
  'ask-become-pass': boolean;
  'vault-password-file'?: string[];
  'vault-id'?: string[];
  'ask-vault-pass'?: boolean;
}

/** HOST... [INVENTORY]: the last argument is the inventory when -i is not given and it names a path. */
export function splitHostsAndInventory(argv: string[], inventoryFlag: string | undefined): {hosts: string[]; inventory?: string} {
  const last = argv.at(-1);
  const inventory = inventoryFlag === undefined && argv.length > 1 && last !== undefined && existsSync(last) ? last : undefined;
  const hosts = inventory === undefined ? argv : argv.slice(0, -1);
  const flag = hosts.find((h) => h.startsWith('-'));
  if (hosts.length === 0 || flag !== undefined) {
    throw new PxeError('E_USAGE', flag ? `unknown flag ${flag}` : 'no host given', {expected: 'pxeprov install HOST... [INVENTORY]', hint: 'see pxeprov install --help'});
  }
  return inventory === undefined ? {hosts} : {hosts, inventory};
}

export async function installCommand(argv: string[], flags: InstallFlags, output: Output): Promise<InstallResult> {
  const {hosts, inventory} = splitHostsAndInventory(argv, flags.inventory);
  await useVaultFlags(flags);
  const settings = commandSettings(inventory, flags);
  const connectionVars = connectionDefaults(settings);
  if (flags['ask-become-pass']) connectionVars.ansible_become_password = await askBecomePass();
  const renderer = await pickRenderer({json: output.json, diff: false, verbose: output.verbose});
  const result = await startBuilds({
    inventory: requireInventory(settings),
    playbook: flags.playbook ?? DEFAULT_PLAYBOOK,
    hosts,
    extraVars: flags['extra-vars'] ?? [],
    forks: settings.forks,
    rolesPath: settings.rolesPath,
    vaultPasswordFiles: settings.vaultPasswordFiles,
    connectionVars,
    become: flags.become || undefined,
    emit: (event) => renderer.handle(event),
  });
  await renderer.finish();
  process.exitCode = Math.max(0, ...result.runs.map(exitCodeOf));
  return result;
}

export async function hostsCommand(positional: string | undefined, flags: InstallFlags): Promise<HostsResult> {
  await useVaultFlags(flags);
  const settings = commandSettings(positional, flags);
  const connectionVars = connectionDefaults(settings);
  if (flags['ask-become-pass']) connectionVars.ansible_become_password = await askBecomePass();
  return listHosts({
    inventory: requireInventory(settings),
    playbook: flags.playbook ?? DEFAULT_PLAYBOOK,
    extraVars: flags['extra-vars'] ?? [],
    rolesPath: settings.rolesPath,
    vaultPasswordFiles: settings.vaultPasswordFiles,
    connectionVars,
    become: flags.become || undefined,
  });
}
