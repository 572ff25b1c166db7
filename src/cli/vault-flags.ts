/** Flags of `pxeprov vault ...`, ansible-vault's names. Light: only @oclif/core. */
import {Flags} from '@oclif/core';
import {vaultFlags} from './flags.js';

export const outputFlag = {
  output: Flags.string({
    description: 'Write here instead of in place ("-" for stdout); one input file only.',
    helpValue: 'FILE',
  }),
};

export const encryptFlags = {
  ...vaultFlags,
  ...outputFlag,
  'encrypt-vault-id': Flags.string({
    description:
      'The vault id (label) to encrypt with when several are given; a label other than "default" makes a 1.2 vault.',
    helpValue: 'LABEL',
  }),
  verbose: Flags.boolean({char: 'v', description: 'Stack traces with -vvv (or PXEPROV_DEBUG=1).'}),
};

export const decryptFlags = {
  ...vaultFlags,
  verbose: Flags.boolean({char: 'v', description: 'Stack traces with -vvv (or PXEPROV_DEBUG=1).'}),
};
