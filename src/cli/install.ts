/** The bodies of `install` and `hosts`: hosts and inventory from the arguments, settings, then the library. */
import {connectionDefaults} from '../config/settings.js';
import {exitCodeOf} from '../engine/events.js';
import {listHosts, type HostsResult} from '../lifecycle/hosts.js';
import {startBuilds, type InstallResult} from '../lifecycle/install.js';
import {pickRenderer} from '../report/renderer.js';
import {DEFAULT_PLAYBOOK} from './flags.js';
import {askBecomePass, commandSettings, requireInventory} from './inputs.js';
import type {Output} from './run.js';
import {useVaultFlags} from './vault.js';
import {machinesIn, splitHostsAndInventory} from './machines.js';
import {bmcOf} from '../power/targets.js';
import {powerHosts} from '../power/power.js';

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
  /** Then, through each host's BMC: next boot from the network, and a power cycle. */
  reboot?: boolean;
}

export async function installCommand(argv: string[], flags: InstallFlags, output: Output): Promise<InstallResult> {
  const {hosts, inventory} = splitHostsAndInventory(argv, flags.inventory, 'install');
  await useVaultFlags(flags);
  const settings = commandSettings(inventory, flags);
  const connectionVars = connectionDefaults(settings);
  // --reboot: every host's BMC is checked before any host is put into build mode.
  const machines = flags.reboot ? machinesIn(hosts, settings, flags) : undefined;
  for (const machine of machines ?? []) bmcOf(machine);
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
  const built = new Set(result.hosts.filter((h) => h.state === 'build').map((h) => h.name));
  if (machines && built.size > 0) {
    // A host whose power step fails stays in build mode: its next network boot, by hand, installs it.
    result.power = await powerHosts(
      machines.filter((m) => built.has(m.name)),
      'cycle',
      {pxeBoot: true, connectionVars},
    );
    result.ok &&= result.power.ok;
    if (!result.power.ok) process.exitCode = Math.max(Number(process.exitCode ?? 0), 1);
  }
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
