/**
 * The inventory's connection variables, checked where they are written: a value pxeprov cannot use is an
 * error (file:line), an `ansible_*` variable it does not read is a warning. Nothing is ignored in silence.
 */
import {formatWhere, PxeError, type Where} from '../errors.js';
import {parseSshCommonArgs} from '../transport/spec.js';
import {connectionVarProblem, hasTemplate, isConnectionVar, isUnhonouredAnsibleVar} from '../transport/vars.js';
import type {Play, SourcePos, Vars} from './model.js';

export interface VarsOwner {
  /** "host 'pxe1'" or "group 'all'", for messages. */
  label: string;
  /** The host, when the variables are one host's. */
  host?: string;
  /** Where each key is written. */
  at(key: string): SourcePos | undefined;
}

export function checkConnectionVars(
  vars: Vars | null | undefined,
  owner: VarsOwner,
  errors: PxeError[],
  warnings: string[],
): void {
  for (const [key, value] of Object.entries(vars ?? {})) {
    // Located only when there is something to say: a large inventory has millions of variables.
    const where = (): Where => ({...owner.at(key), ...(owner.host === undefined ? {} : {host: owner.host})});
    // A template is rendered with the host's variables just before connecting, and its value checked then.
    const problem = hasTemplate(value) ? undefined : connectionVarProblem(key, value);
    if (problem) {
      // A host's variable: the location names the host already.
      const message = owner.host === undefined ? `${owner.label}: ${problem.message}` : problem.message;
      errors.push(
        new PxeError('E_CONNECTION_VAR', message, {where: where(), expected: problem.expected, hint: problem.hint}),
      );
    } else if (SSH_ARGS.has(key) && typeof value === 'string') {
      checkSshArgs(key, value, owner, where(), errors, warnings);
    } else if (isUnhonouredAnsibleVar(key)) {
      warnings.push(
        `${formatWhere({...owner.at(key)})}: ${owner.label}: ${key} is not used by pxeprov (it has no effect); docs/connection.md lists the connection variables it honours`,
      );
    }
  }
}

/**
 * A play's vars and vars_files: pxeprov connects with the inventory's variables only, so a connection
 * variable set there would be silently unused (su expected, sudo run): an error; other ansible_* a warning.
 */
export function checkPlayConnectionVars(play: Play, errors: PxeError[], warnings: string[]): void {
  const names = new Set([play.vars, ...play.varsFiles].flatMap((vars) => Object.keys(vars ?? {})));
  for (const name of names) {
    if (isConnectionVar(name)) {
      errors.push(
        new PxeError(
          'E_CONNECTION_VAR',
          `play '${play.name}' sets ${name}, which pxeprov reads from the inventory only`,
          {
            where: play.pos,
            expected: 'connection variables in the inventory (host or group vars, group_vars/, host_vars/)',
            hint: `move ${name} to the inventory`,
          },
        ),
      );
    } else if (isUnhonouredAnsibleVar(name)) {
      warnings.push(`${formatWhere(play.pos)}: play '${play.name}': ${name} is not used by pxeprov (it has no effect)`);
    }
  }
}

const SSH_ARGS = new Set(['ansible_ssh_common_args', 'ansible_ssh_extra_args']);

/** OpenSSH options: one pxeprov cannot honour safely is an error, one it does not act on a warning. */
function checkSshArgs(
  key: string,
  value: string,
  owner: VarsOwner,
  where: Where,
  errors: PxeError[],
  warnings: string[],
): void {
  try {
    const {ignored = []} = parseSshCommonArgs(value);
    if (ignored.length)
      warnings.push(
        `${formatWhere({...owner.at(key)})}: ${owner.label}: ${key}: ${ignored.join(', ')} not used by pxeprov (no effect)`,
      );
  } catch (error) {
    errors.push(
      new PxeError('E_CONNECTION_VAR', `${owner.label}: ${key}: ${(error as Error).message}`, {
        where,
        expected: 'OpenSSH options pxeprov honours (see the connection variables table)',
      }),
    );
  }
}
