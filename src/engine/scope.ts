/** Variables per task, and Ansible's `omit`. */
import type {Inventory, Play, Task, Vars} from '../config/model.js';
import {hostVars} from '../config/vars.js';
import type {Facts} from '../transport/types.js';
import {ansibleFacts} from './facts-vars.js';

/** Ansible's `omit`: a module argument that renders to it is left out. */
export const OMIT = '__pxeprov_omit_placeholder__';

/** Drops every mapping key whose value is `omit`. */
export function withoutOmitted(value: unknown): unknown {
  if (Array.isArray(value)) return value.filter((v) => v !== OMIT).map(withoutOmitted);
  if (value && typeof value === 'object' && !Buffer.isBuffer(value)) {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== OMIT)
        .map(([k, v]) => [k, withoutOmitted(v)]),
    );
  }
  return value;
}

export interface HostScope {
  host: string;
  inventory: Inventory;
  play: Play;
  /** The agent's facts, when the play gathers them. */
  facts?: Facts;
  /** set_fact and register results, for the rest of the run. */
  hostFacts: Vars;
  extraVars: Vars;
}

/** Facts are a new object each time they are gathered: their Ansible form is built once per gathering, not per task. */
const ansibleForms = new WeakMap<Facts, Vars>();

function ansibleForm(facts: Facts): Vars {
  if (!ansibleForms.has(facts)) ansibleForms.set(facts, ansibleFacts(facts));
  return ansibleForms.get(facts)!;
}

/** The variables a task sees on a host: Ansible's precedence (hostVars), `omit`, and pxeprov's own facts. */
export function taskVars(scope: HostScope, task?: Task): Vars {
  const facts = scope.facts && ansibleForm(scope.facts);
  return {
    ...hostVars(scope.play, scope.host, scope.inventory, scope.extraVars, facts, {task, runtime: scope.hostFacts}),
    omit: OMIT,
    ...(scope.facts ? {pxeprov_facts: scope.facts} : {}),
  };
}
