/**
 * Picks how a run is shown: listr2 on a TTY, plain lines in CI and pipes, nothing but the final JSON with --json.
 * Results (outcomes, diffs, the recap) go to stdout, progress and warnings to stderr: `pxeprov up > run.log` keeps
 * the results. Colour follows stdout's terminal (NO_COLOR turns it off).
 */
import type {EngineEvent} from '../engine/events.js';
import {plainRenderer, type RenderOptions} from './plain.js';

export interface Renderer {
  handle(event: EngineEvent): void;
  /** Resolves once everything is on screen. */
  finish(): Promise<void>;
}

export interface RendererChoice {
  json: boolean;
  diff: boolean;
  verbose: number;
  /** --profile: per-task times and the slowest tasks at the end. */
  profile?: boolean;
}

export async function pickRenderer(choice: RendererChoice): Promise<Renderer> {
  if (choice.json) return {handle() {}, finish: async () => {}};
  const tty = Boolean(process.stderr.isTTY) && !process.env.CI;
  const options: RenderOptions = {
    diff: choice.diff,
    verbose: choice.verbose,
    profile: choice.profile ?? false,
    color: Boolean(process.stdout.isTTY) && !process.env.CI && !process.env.NO_COLOR,
    write: (text) => process.stdout.write(text),
    progress: (text) => process.stderr.write(text),
  };
  if (tty) {
    const {listrRenderer} = await import('./listr.js');
    return listrRenderer(options);
  }
  const handle = plainRenderer(options);
  return {handle, finish: async () => {}};
}
