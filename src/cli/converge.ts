/** The body of `up` and `check`: pick a renderer, converge, set the exit code from the report. */
import {converge} from '../engine/converge.js';
import {exitCodeOf, type RunReport} from '../engine/events.js';
import {pickRenderer} from '../report/renderer.js';
import type {Output} from './run.js';

export interface RunCommandOptions {
  inventory: string;
  playbook: string;
  limit?: string;
  tags: string[];
  skipTags: string[];
  'extra-vars'?: string[];
  forks: number;
  check: boolean;
  checksum?: boolean;
  diff: boolean;
  profile: boolean;
}

export async function runCommand(options: RunCommandOptions, output: Output): Promise<RunReport> {
  const renderer = await pickRenderer({json: output.json, diff: options.diff, verbose: output.verbose, profile: options.profile});
  const report = await converge({...options, extraVars: options['extra-vars'] ?? [], emit: (event) => renderer.handle(event)});
  await renderer.finish();
  process.exitCode = exitCodeOf(report);
  return report;
}
