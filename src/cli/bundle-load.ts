/**
 * The fast start of `up` and `check` (bin/run.js): dist/bundle/run.cjs (see build-bundle.ts) compiled with
 * V8's code cache, kept in the parse cache (`code`, 0600 like every entry). Resolving, reading and compiling
 * the few hundred modules of a run took more CPU time than the run itself. Any other command, and `--help`,
 * go through oclif's own loading.
 */
import {readFileSync, statSync} from 'node:fs';
import {createRequire} from 'node:module';
import {dirname, join} from 'node:path';
import vm from 'node:vm';
import {cacheKey, cacheReadBytes, cacheWrite} from '../config/cache.js';
import {PACKAGE_ROOT} from '../config/package-root.js';

export const BUNDLE = join(PACKAGE_ROOT, 'dist', 'bundle', 'run.cjs');
const BUNDLED = new Set(['up', 'check']);

interface BundleExports {
  runBundled(root: string, argv: string[]): Promise<void>;
}

/** Whether argv runs a bundled command, not its help (oclif's --help before any `--`). */
export function runsBundledCommand(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return BUNDLED.has(argv[0] ?? '') && !(end < 0 ? argv : argv.slice(0, end)).includes('--help');
}

/** Runs argv from the bundle when it is a bundled command and the bundle is built; false otherwise. */
export async function runFromBundle(argv: string[]): Promise<boolean> {
  if (!runsBundledCommand(argv)) return false;
  const stats = statSync(BUNDLE, {throwIfNoEntry: false});
  if (!stats) return false;
  // One entry per installed bundle, replaced when the bundle is rebuilt. V8 checks only the length of the
  // source against cached code: the entry starts with a stamp of this very file.
  const key = cacheKey(BUNDLE, process.version, process.arch);
  const stamp = Buffer.from(`${cacheKey(stats.ino, stats.size, stats.mtimeMs, stats.ctimeMs)}\n`);
  const entry = cacheReadBytes('code', key, '.bin');
  const cachedData = entry?.subarray(0, stamp.length).equals(stamp) ? entry.subarray(stamp.length) : undefined;
  const script = new vm.Script(
    `(function (exports, require, module, __filename, __dirname) {${readFileSync(BUNDLE, 'utf8')}\n})`,
    {filename: BUNDLE, cachedData, importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER},
  );
  const module = {exports: {} as BundleExports};
  (script.runInThisContext() as (...args: unknown[]) => void)(
    module.exports,
    createRequire(BUNDLE),
    module,
    BUNDLE,
    dirname(BUNDLE),
  );
  await module.exports.runBundled(PACKAGE_ROOT, argv);
  // After the run, the cache holds the functions the run compiled too.
  if (!cachedData || script.cachedDataRejected)
    cacheWrite('code', key, Buffer.concat([stamp, script.createCachedData()]), '.bin');
  return true;
}
