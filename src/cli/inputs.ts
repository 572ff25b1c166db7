/**
 * What `up`, `check`, `validate` and `inventory` take from outside the inventory: the inventory itself
 * (argument, -i, PXEPROV_INVENTORY, ANSIBLE_INVENTORY, ansible.cfg), the settings of ansible.cfg and
 * ANSIBLE_* variables, and the become password of -K.
 */
import {join} from 'node:path';
import {PACKAGE_ROOT} from '../config/package-root.js';
import {PxeError} from '../errors.js';
import {loadSettings, type CliSettings, type Settings} from '../config/settings.js';
import {promptHidden} from '../transport/passphrase.js';

export interface SettingsFlags {
  inventory?: string;
  forks?: number;
  user?: string;
  'private-key'?: string;
  /** --vault-password-file, repeatable, on the commands that have it. */
  'vault-password-file'?: string[];
}

/** The settings in effect; their warnings (unused ansible.cfg keys, ANSIBLE_* variables) go to stderr. */
export function commandSettings(positional: string | undefined, flags: SettingsFlags): Settings {
  if (positional !== undefined && flags.inventory !== undefined && positional !== flags.inventory) {
    throw new PxeError('E_USAGE', `two inventories given: ${positional} and -i ${flags.inventory}`, {
      expected: 'the inventory as the argument or as -i, once',
      hint: 'drop one of them',
    });
  }
  const cli: CliSettings = {
    inventory: positional ?? flags.inventory,
    forks: flags.forks,
    remoteUser: flags.user,
    privateKeyFile: flags['private-key'],
    vaultPasswordFiles: flags['vault-password-file'],
  };
  const settings = loadSettings(cli);
  for (const warning of settings.warnings) process.stderr.write(`warning: ${warning}\n`);
  return settings;
}

/** The inventory to use: nothing is ever targeted by default. */
export function requireInventory(settings: Settings): string {
  if (settings.inventory !== undefined) return settings.inventory;
  throw new PxeError('E_USAGE', 'no inventory given', {
    expected:
      'an inventory file or directory: the first argument, -i INVENTORY, $PXEPROV_INVENTORY, $ANSIBLE_INVENTORY, or inventory = in ansible.cfg [defaults]',
    hint: `copy the documented example ${join(PACKAGE_ROOT, 'inventory', 'example.yaml')}, set your hosts in it, then: pxeprov validate mine.yaml`,
  });
}

/** -K: the become password, asked on the terminal without echo (as Ansible's "BECOME password: "), or one line of a piped stdin. */
export async function askBecomePass(): Promise<string> {
  if (process.stdin.isTTY) return promptHidden('BECOME password: ');
  let text = '';
  for await (const chunk of process.stdin) {
    text += String(chunk);
    if (text.includes('\n')) break;
  }
  const line = text.split(/\r?\n/)[0] ?? '';
  if (!line)
    throw new PxeError('E_USAGE', '-K/--ask-become-pass: no password was given', {
      hint: 'run it on a terminal, or pipe the password on stdin',
    });
  return line;
}
