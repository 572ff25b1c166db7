/**
 * The flags `up`, `check` and `validate` share, with Ansible's names where Ansible has one. Light: only
 * @oclif/core, so `--help` stays fast.
 */
import {Args, Flags} from '@oclif/core';

/** Ansible reads ANSIBLE_INVENTORY; pxeprov reads PXEPROV_INVENTORY, else the documented example. */
export const DEFAULT_INVENTORY = 'inventory/example.yaml';
export const DEFAULT_PLAYBOOK = 'playbooks/pxe-server.yaml';

export const inventoryArg = {
  inventory: Args.string({
    description: `Inventory: an Ansible YAML or INI file, or a directory of them [default: $PXEPROV_INVENTORY or ${DEFAULT_INVENTORY}]`,
    required: false,
  }),
};

export function inventoryPath(arg: string | undefined): string {
  return arg ?? process.env.PXEPROV_INVENTORY ?? DEFAULT_INVENTORY;
}

export const outputFlags = {
  json: Flags.boolean({description: 'Print the result (or the errors) as JSON on stdout.'}),
  verbose: Flags.boolean({char: 'v', description: 'More detail; repeat for more (-vvv shows stack traces, as does PXEPROV_DEBUG=1).'}),
};

export const playbookFlag = {
  playbook: Flags.string({char: 'p', description: 'Playbook to run.', default: DEFAULT_PLAYBOOK, helpValue: 'FILE'}),
};

/** Vault passwords, with Ansible's flags; ANSIBLE_VAULT_PASSWORD_FILE and ANSIBLE_VAULT_IDENTITY_LIST count too. */
export const vaultFlags = {
  'vault-password-file': Flags.string({multiple: true, multipleNonGreedy: true, description: 'Vault password file; an executable one is run and its stdout used. Repeatable.', helpValue: 'FILE'}),
  'vault-id': Flags.string({multiple: true, multipleNonGreedy: true, description: 'Vault identity LABEL@SOURCE, SOURCE a password file, a script or "prompt". Repeatable.', helpValue: '[LABEL@]SOURCE'}),
  'ask-vault-pass': Flags.boolean({aliases: ['ask-vault-password'], description: 'Ask for the vault password on the terminal.'}),
};

export const runFlags = {
  ...playbookFlag,
  ...vaultFlags,
  limit: Flags.string({char: 'l', description: 'Only hosts matching this pattern (host, group, glob, a:b, a:&b, a:!b, ~regex).', helpValue: 'PATTERN'}),
  tags: Flags.string({char: 't', description: 'Only tasks with one of these tags (comma-separated).', helpValue: 'TAGS'}),
  'skip-tags': Flags.string({description: 'Skip tasks with one of these tags (comma-separated).', helpValue: 'TAGS'}),
  'extra-vars': Flags.string({
    char: 'e',
    multiple: true,
    description: 'Variables that win over all others: key=value, @file.yaml, or a JSON object. Repeatable.',
    helpValue: 'VARS',
  }),
  forks: Flags.integer({char: 'f', description: 'Hosts handled in parallel.', default: 5, min: 1}),
  checksum: Flags.boolean({description: 'Compare the content (sha256) of every file of the install trees, not only its size and mtime.'}),
  profile: Flags.boolean({description: "Every task with its time, and the 10 slowest tasks at the end (Ansible's profile_tasks)."}),
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
  return argv.filter((arg) => {
    if (arg !== '--verbose' && !/^-v+$/.test(arg)) return true;
    if (seen) return false;
    seen = true;
    return true;
  }).map((arg) => (/^-v+$/.test(arg) ? '-v' : arg));
}

export function splitTags(value: string | undefined): string[] {
  return value ? value.split(',').map((t) => t.trim()).filter(Boolean) : [];
}
