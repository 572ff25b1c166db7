/** Picks how a run is shown: listr2 on a TTY, plain lines in CI and pipes, nothing but the final JSON with --json. */
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
}

export async function pickRenderer(choice: RendererChoice): Promise<Renderer> {
  if (choice.json) return {handle() {}, finish: async () => {}};
  const tty = Boolean(process.stderr.isTTY) && !process.env.CI;
  const options: RenderOptions = {diff: choice.diff, verbose: choice.verbose, color: tty && !process.env.NO_COLOR, write: (text) => process.stderr.write(text)};
  if (tty) {
    const {listrRenderer} = await import('./listr.js');
    return listrRenderer(options);
  }
  const handle = plainRenderer(options);
  return {handle, finish: async () => {}};
}
