/**
 * Connection variables are templates, as in Ansible: `ansible_become_password: "{{ vault_sudo_password }}"`
 * or `ansible_host: "{{ inventory_hostname }}.lab"` are rendered with the host's inventory variables (and
 * -e) just before connecting; the transport then checks the rendered values. A variable a template needs
 * and the inventory lacks is an error naming the host and the connection variable, never its value.
 */
import {errorsOf, PxeError} from '../errors.js';
import {connectionVarProblem, hasTemplate, isConnectionVar} from '../transport/vars.js';
import type {Inventory, Vars} from './model.js';
import {renderValue} from './template.js';

export function renderConnectionVars(host: string, vars: Vars): Vars {
  const scope: Vars = {...vars, inventory_hostname: host, inventory_hostname_short: host.split('.')[0]};
  const rendered: Vars = {...vars};
  for (const [name, value] of Object.entries(vars)) {
    if (!isConnectionVar(name) || !hasTemplate(value)) continue;
    try {
      rendered[name] = renderValue(value, scope, {host});
    } catch (error) {
      const cause = errorsOf(error)?.[0];
      if (!cause) throw error;
      throw new PxeError('E_CONNECTION_VAR', `${name}: ${cause.message}`, {
        where: {host},
        expected: 'variables the template names, set in the inventory or with -e',
        hint:
          cause.hint ?? "connection variables are rendered with the inventory variables only, not with a play's vars",
      });
    }
  }
  return rendered;
}

/** validate: each reached host's templated connection variables render, and to values the transport can use. */
export function checkRenderedConnectionVars(
  inventory: Inventory,
  extraVars: Vars,
  hosts: Iterable<string>,
): PxeError[] {
  const errors: PxeError[] = [];
  for (const host of hosts) {
    const entry = inventory.hosts.get(host);
    const vars = {...entry?.vars, ...extraVars};
    const templated = Object.keys(vars).filter((name) => isConnectionVar(name) && hasTemplate(vars[name]));
    if (!templated.length) continue;
    const where = {...entry?.pos, host};
    try {
      const rendered = renderConnectionVars(host, vars);
      for (const name of templated) {
        const problem = connectionVarProblem(name, rendered[name]);
        if (problem)
          errors.push(
            new PxeError('E_CONNECTION_VAR', `${name} renders to an unusable value: ${problem.message}`, {
              where,
              expected: problem.expected,
              hint: problem.hint,
            }),
          );
      }
    } catch (error) {
      const found = errorsOf(error);
      if (!found) throw error;
      errors.push(...found.map((e) => new PxeError(e.code, e.message, {where, expected: e.expected, hint: e.hint})));
    }
  }
  return errors;
}
