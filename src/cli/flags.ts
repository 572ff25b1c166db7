/**
 * The flags `up`, `check` and `validate` share, with Ansible's names where Ansible has one. Light: only
 * @oclif/core and node:path, so `--help` stays fast.
 */
import {join} from 'node:path';
import {Args, Flags} from '@oclif/core';
import {PACKAGE_ROOT} from '../config/package-root.js';

/** The playbook shipped with pxeprov, wherever it is installed. */
export const DEFAULT_PLAYBOOK = join(PACKAGE_ROOT, 'playbooks', 'pxe-server.yaml');

export const inventoryArg = {
  inventory: Args.string({
    description:
      'Inventory: an Ansible YAML or INI file, or a directory of them [default: -i, $PXEPROV_INVENTORY, $ANSIBLE_INVENTORY, inventory in ansible.cfg]',
    required: false,
  }),
};

/** -i, as in Ansible: the same as the inventory argument. */
export const inventoryFlag = {
  inventory: Flags.string({
    char: 'i',
    description: 'Inventory file or directory (the same as the argument).',
    helpValue: 'INVENTORY',
  }),
};

export const outputFlags = {
  json: Flags.boolean({description: 'Print the result (or the errors) as JSON on stdout.'}),
  verbose: Flags.boolean({
    char: 'v',
    description: 'More detail; repeat for more (-vvv shows stack traces, as does PXEPROV_DEBUG=1).',
  }),
};

export const playbookFlag = {
  playbook: Flags.string({
    char: 'p',
    description: 'Playbook to run [default: the pxe-server playbook shipped with pxeprov].',
    helpValue: 'FILE',
  }),
};

/** Vault passwords, with Ansible's flags; ANSIBLE_VAULT_PASSWORD_FILE and ANSIBLE_VAULT_IDENTITY_LIST count too. */
export const vaultFlags = {
  'vault-password-file': Flags.string({
    multiple: true,
    multipleNonGreedy: true,
    description: 'Vault password file; an executable one is run and its stdout used. Repeatable.',
    helpValue: 'FILE',
  }),
  'vault-id': Flags.string({
    multiple: true,
    multipleNonGreedy: true,
    description: 'Vault identity LABEL@SOURCE, SOURCE a password file, a script or "prompt". Repeatable.',
    helpValue: '[LABEL@]SOURCE',
  }),
  'ask-vault-pass': Flags.boolean({
    aliases: ['ask-vault-password'],
    description: 'Ask for the vault password on the terminal.',
  }),
};

export const runFlags = {
  ...playbookFlag,
  ...vaultFlags,
  limit: Flags.string({
    char: 'l',
    description: 'Only hosts matching this pattern (host, group, glob, a:b, a:&b, a:!b, ~regex).',
    helpValue: 'PATTERN',
  }),
  tags: Flags.string({
    char: 't',
    description: 'Only tasks with one of these tags (comma-separated).',
    helpValue: 'TAGS',
  }),
  'skip-tags': Flags.string({description: 'Skip tasks with one of these tags (comma-separated).', helpValue: 'TAGS'}),
  'extra-vars': Flags.string({
    char: 'e',
    multiple: true,
    description: 'Variables that win over all others: key=value, @file.yaml, or a JSON object. Repeatable.',
    helpValue: 'VARS',
  }),
  forks: Flags.integer({
    char: 'f',
    description: 'Hosts handled in parallel [default: $ANSIBLE_FORKS, forks in ansible.cfg, or 5].',
    min: 1,
  }),
  ...inventoryFlag,
  user: Flags.string({
    char: 'u',
    description:
      'Connect as this user when the inventory sets no ansible_user [default: $ANSIBLE_REMOTE_USER, remote_user in ansible.cfg].',
    helpValue: 'USER',
  }),
  'private-key': Flags.string({
    description:
      'Private key file when the inventory sets no ansible_ssh_private_key_file [default: $ANSIBLE_PRIVATE_KEY_FILE, private_key_file in ansible.cfg].',
    helpValue: 'FILE',
  }),
  become: Flags.boolean({
    char: 'b',
    description: 'Run tasks with become (sudo), unless a play, a task or ansible_become says otherwise.',
  }),
  'ask-become-pass': Flags.boolean({
    char: 'K',
    description:
      'Ask for the become (sudo) password on the terminal, never echoed (or read a line from a non-terminal stdin).',
  }),
  'list-hosts': Flags.boolean({
    description: 'List the hosts of each play, as ansible-playbook does; connects to nothing.',
  }),
  'list-tasks': Flags.boolean({description: 'List the tasks of each play with their tags; connects to nothing.'}),
  'list-tags': Flags.boolean({description: 'List the tags of each play; connects to nothing.'}),
  'start-at-task': Flags.string({
    description: 'Start at the first task of this name ("role : name" and * ? patterns work too).',
    helpValue: 'NAME',
  }),
  checksum: Flags.boolean({
    description: 'Compare the content (sha256) of every file of the install trees, not only its size and mtime.',
  }),
  profile: Flags.boolean({
    description: "Every task with its time, and the 10 slowest tasks at the end (Ansible's profile_tasks).",
  }),
  ...outputFlags,
};

/** How many -v were given: oclif has no counted flags, so count them in argv (-v, -vv, -vvv, --verbose). */
export function verbosity(argv: readonly string[]): number {
  let n = 0;
  for (const arg of argv) {
    if (arg === '--') break;
    if (arg === '--verbose') n++;
    else if (/^-v+$/.test(arg)) n += arg.length - 1;
  }
  return n;
}

/** argv with repeated -v collapsed to one, so oclif's boolean flag accepts it. */
export function collapseVerbose(argv: readonly string[]): string[] {
  let seen = false;
  return argv
    .filter((arg) => {
      if (arg !== '--verbose' && !/^-v+$/.test(arg)) return true;
      if (seen) return false;
      seen = true;
      return true;
    })
    .map((arg) => (/^-v+$/.test(arg) ? '-v' : arg));
}

export function splitTags(value: string | undefined): string[] {
  return value
    ? value
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean)
    : [];
}
