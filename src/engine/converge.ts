/** What `up` and `check` share: load and validate every input (all errors at once), then run. */
import {parseExtraVars} from '../config/extra-vars.js';
import {loadInventory} from '../config/inventory.js';
import {loadPlaybook} from '../config/playbook.js';
import {validate} from '../config/validate.js';
import type {Emit, RunReport} from './events.js';
import {runPlaybook} from './run.js';

export interface ConvergeOptions {
  inventory: string;
  playbook: string;
  limit?: string;
  tags: string[];
  skipTags: string[];
  extraVars: string[];
  forks: number;
  check: boolean;
  emit: Emit;
}

export async function converge(options: ConvergeOptions): Promise<RunReport> {
  validate({inventory: options.inventory, playbook: options.playbook, limit: options.limit, extraVars: options.extraVars});
  const extraVars = parseExtraVars(options.extraVars);
  return runPlaybook({
    inventory: loadInventory(options.inventory),
    playbook: loadPlaybook(options.playbook, {extraVars}),
    limit: options.limit,
    tags: options.tags,
    skipTags: options.skipTags,
    extraVars,
    forks: options.forks,
    check: options.check,
    emit: options.emit,
  });
}
