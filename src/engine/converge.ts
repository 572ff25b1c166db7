/** What `up` and `check` share: load and validate every input (all errors at once), then run. */
import {loadInputs} from '../config/validate.js';
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
  checksum?: boolean;
  emit: Emit;
}

export async function converge(options: ConvergeOptions): Promise<RunReport> {
  const {inventory, playbook, extraVars} = loadInputs({inventory: options.inventory, playbook: options.playbook, limit: options.limit, extraVars: options.extraVars});
  return runPlaybook({
    inventory,
    playbook,
    limit: options.limit,
    tags: options.tags,
    skipTags: options.skipTags,
    extraVars,
    forks: options.forks,
    check: options.check,
    checksum: options.checksum,
    emit: options.emit,
  });
}
