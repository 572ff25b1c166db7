/**
 * The entry of dist/bundle/run.cjs: `up` and `check` with everything they load (oclif included) in one
 * file, so that a run compiles one script (from V8's code cache, see bundle-load.ts) instead of resolving
 * and compiling a few hundred modules. It takes the steps of oclif's execute() for one command; the command
 * classes are this bundle's, so that their `@oclif/core` is the bundle's too.
 */
import {Config, flush, handle, type Command} from '@oclif/core';
import Check from '../commands/check.js';
import Up from '../commands/up.js';

export const BUNDLED_COMMANDS: Record<string, Command.Class> = {check: Check, up: Up};

/** Runs `argv` ([command id, ...arguments]) as oclif's execute() would, with the command class from the bundle. */
export async function runBundled(root: string, argv: string[]): Promise<void> {
  const [id = '', ...args] = argv;
  const command = BUNDLED_COMMANDS[id];
  try {
    if (!command) throw new Error(`'${id}' is not a bundled command`);
    const config = await Config.load(root);
    await config.runHook('init', {argv: args, id});
    const found = config.findCommand(id, {must: true});
    // What oclif's plugin sets on a command class it loads.
    Object.assign(command, {id, plugin: config.plugins.get(config.pjson.name)});
    let error: unknown;
    try {
      await config.runCommand(id, args, {...found, load: async () => command});
    } catch (e) {
      error = e;
      throw e;
    } finally {
      await config.runHook('finally', {argv: args, Command: found, error: error as Error | undefined, id});
    }
    flush();
  } catch (e) {
    await handle(e as Error);
  }
}
