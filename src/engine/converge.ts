/** What `up` and `check` share: load and validate every input (all errors at once), then run. */
import type {Vars} from '../config/model.js';
import {startAtTask} from '../config/start-at-task.js';
import {loadInputsStaged} from '../config/validate.js';
import {holdPrompts} from '../transport/passphrase.js';
import {EarlyOpens} from './early-open.js';
import type {Emit, RunReport} from './events.js';
import type {OpenAgent} from './host-run.js';
import {openOverSsh, runPlaybook} from './run.js';

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
  /** roles_path: searched after the playbook's roles/, before the shipped roles. */
  rolesPath?: string[];
  /** Connection variables from the command line, environment and ansible.cfg (-u, --private-key, -K …): below every inventory variable. */
  connectionVars?: Vars;
  /** -b: become, unless a play, a task or a variable says otherwise. */
  become?: boolean;
  /** --start-at-task: skip the tasks before the first of this name. */
  startAtTask?: string;
  /** Vault password files for vaulted inputs (see ValidateOptions). */
  vaultPasswordFiles?: string[];
  /** How to reach a host: the SSH transport unless given. */
  open?: OpenAgent;
}

/** Loads the inputs while the first hosts connect (early-open.ts), then runs; unused early agents are closed. */
export async function converge(options: ConvergeOptions): Promise<RunReport> {
  const early = new EarlyOpens({...options, open: options.open ?? openOverSsh});
  const releasePrompts = holdPrompts();
  try {
    const inputs = await loadInputsStaged(
      {
        inventory: options.inventory,
        playbook: options.playbook,
        limit: options.limit,
        extraVars: options.extraVars,
        rolesPath: options.rolesPath,
        vaultPasswordFiles: options.vaultPasswordFiles,
      },
      (parsed) => early.start(parsed),
    );
    const {inventory, extraVars} = inputs;
    const playbook =
      options.startAtTask === undefined ? inputs.playbook : startAtTask(inputs.playbook, options.startAtTask);
    releasePrompts(true);
    return await runPlaybook({
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
      connectionVars: options.connectionVars,
      become: options.become,
      open: early.open,
    });
  } finally {
    releasePrompts(false);
    await early.close();
  }
}
