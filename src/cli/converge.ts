/** The body of `up` and `check`: settings, then a listing (--list-*) or a run; the exit code from the report. */
import {converge} from '../engine/converge.js';
import {exitCodeOf, type RunReport} from '../engine/events.js';
import {connectionDefaults} from '../config/settings.js';
import {loadInputs} from '../config/validate.js';
import {pickRenderer} from '../report/renderer.js';
import {DEFAULT_PLAYBOOK, splitTags} from './flags.js';
import {askBecomePass, commandSettings, requireInventory} from './inputs.js';
import {listPlaybook, type PlaybookListing} from './list.js';
import type {Output} from './run.js';

/** The flags of `up` and `check` (runFlags). */
export interface RunFlags {
  playbook?: string;
  inventory?: string;
  limit?: string;
  tags?: string;
  'skip-tags'?: string;
  'extra-vars'?: string[];
  forks?: number;
  checksum?: boolean;
  profile?: boolean;
  user?: string;
  'private-key'?: string;
  become: boolean;
  'ask-become-pass': boolean;
  'list-hosts': boolean;
  'list-tasks': boolean;
  'list-tags': boolean;
  'start-at-task'?: string;
}

export interface RunMode {
  check: boolean;
  diff: boolean;
}

export async function runCommand(
  positional: string | undefined,
  flags: RunFlags,
  mode: RunMode,
  output: Output,
): Promise<RunReport | PlaybookListing> {
  const settings = commandSettings(positional, flags);
  const inventory = requireInventory(settings);
  const playbook = flags.playbook ?? DEFAULT_PLAYBOOK;
  const tags = splitTags(flags.tags);
  const skipTags = splitTags(flags['skip-tags']);
  const what = {hosts: flags['list-hosts'], tasks: flags['list-tasks'], tags: flags['list-tags']};
  if (what.hosts || what.tasks || what.tags) {
    const inputs = loadInputs({
      inventory,
      playbook,
      limit: flags.limit,
      extraVars: flags['extra-vars'],
      rolesPath: settings.rolesPath,
      vaultPasswordFiles: settings.vaultPasswordFiles,
    });
    return listPlaybook(inputs.playbook, inputs.inventory, what, {limit: flags.limit, tags, skipTags});
  }
  const connectionVars = connectionDefaults(settings);
  if (flags['ask-become-pass']) connectionVars.ansible_become_password = await askBecomePass();
  const renderer = await pickRenderer({
    json: output.json,
    diff: mode.diff,
    verbose: output.verbose,
    profile: Boolean(flags.profile),
  });
  const report = await converge({
    inventory,
    playbook,
    limit: flags.limit,
    tags,
    skipTags,
    extraVars: flags['extra-vars'] ?? [],
    forks: settings.forks,
    check: mode.check,
    checksum: Boolean(flags.checksum),
    rolesPath: settings.rolesPath,
    vaultPasswordFiles: settings.vaultPasswordFiles,
    connectionVars,
    become: flags.become || undefined,
    startAtTask: flags['start-at-task'],
    emit: (event) => renderer.handle(event),
  });
  await renderer.finish();
  process.exitCode = exitCodeOf(report);
  return report;
}

export function isListing(result: RunReport | PlaybookListing): result is PlaybookListing {
  return 'plays' in result;
}
