/**
 * The inventory's connection variables, checked where they are written: a value pxeprov cannot use is an
 * error (file:line), an `ansible_*` variable it does not read is a warning. Nothing is ignored in silence.
 */
import {formatWhere, PxeError} from '../errors.js';
import {connectionVarProblem, isUnhonouredAnsibleVar} from '../transport/vars.js';
import type {SourcePos, Vars} from './model.js';

export interface VarsOwner {
  /** "host 'pxe1'" or "group 'all'", for messages. */
  label: string;
  /** The host, when the variables are one host's. */
  host?: string;
  /** Where each key is written. */
  at(key: string): SourcePos | undefined;
}

export function checkConnectionVars(vars: Vars | null | undefined, owner: VarsOwner, errors: PxeError[], warnings: string[]): void {
  for (const [key, value] of Object.entries(vars ?? {})) {
    const where = {...owner.at(key), ...(owner.host === undefined ? {} : {host: owner.host})};
    const problem = connectionVarProblem(key, value);
    if (problem) {
      errors.push(new PxeError('E_CONNECTION_VAR', `${owner.label}: ${problem.message}`, {where, expected: problem.expected, hint: problem.hint}));
    } else if (isUnhonouredAnsibleVar(key)) {
      warnings.push(`${formatWhere({...owner.at(key)})}: ${owner.label}: ${key} is not used by pxeprov (it has no effect); README lists the connection variables it honours`);
    }
  }
}
