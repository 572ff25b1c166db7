/**
 * An unknown command: E_USAGE with the nearest command as a hint, exit 3 (oclif's `command_not_found` hook
 * and `pxeprov help <command>`).
 */
import {Errors, type Hook, type Interfaces} from '@oclif/core';
import {PxeError} from '../errors.js';
import {didYouMean} from '../config/suggest.js';
import {printErrors} from './run.js';
import {verbosity} from './flags.js';

export function unknownCommand(id: string, config: Interfaces.Config): PxeError {
  const spaced = (name: string) => name.replaceAll(':', ' ');
  const near = didYouMean(spaced(id), config.commandIDs.map(spaced));
  return new PxeError('E_USAGE', `unknown command '${spaced(id)}'`, {
    expected: `one of: ${config.commandIDs.map(spaced).sort().join(', ')}`,
    hint: `${near ? `${near} ` : ''}see pxeprov --help`,
  });
}

/** Prints the error (as JSON with --json) and ends the process with exit 3. */
export function failUnknownCommand(id: string, argv: readonly string[], config: Interfaces.Config): never {
  const error = unknownCommand(id, config);
  printErrors([error], {json: argv.includes('--json'), verbose: verbosity(argv)});
  return Errors.exit(error.exit);
}

const hook: Hook.CommandNotFound = async function ({id, argv, config}) {
  failUnknownCommand(id, argv ?? [], config);
};

export default hook;
