/**
 * `npm run build` step: bundles the compiled `up` and `check` (dist/cli/bundled.js and all it imports) into
 * dist/bundle/run.cjs with esbuild. CommonJS, so that V8's code cache can hold the whole script.
 *
 * What stays outside: modules pxeprov loads lazily through createRequire (nunjucks, yaml, ajv, diff: only
 * when a run needs them), typescript (oclif asks for it only to run commands from TypeScript sources), and
 * native addons, which are required by package path so that they resolve from node_modules as before.
 * The bundle lives two levels below the package root, as dist/<dir>/*.js do, so that the paths the code
 * derives from its own location (the package root, src/agent/agent.sh) stay the same.
 */
import {build, type Plugin} from 'esbuild';
import {fileURLToPath} from 'node:url';
import {join, resolve} from 'node:path';

const ROOT = resolve(fileURLToPath(import.meta.url), '..', '..', '..');
const BUNDLE = join(ROOT, 'dist', 'bundle', 'run.cjs');

const nativeAddonsByPackagePath: Plugin = {
  name: 'native-addons',
  setup(builder) {
    builder.onResolve({filter: /\.node$/}, ({path, resolveDir}) => {
      const absolute = resolve(resolveDir, path);
      const at = absolute.lastIndexOf('/node_modules/');
      if (at < 0) throw new Error(`native addon outside node_modules: ${absolute}`);
      return {path: absolute.slice(at + '/node_modules/'.length), external: true};
    });
  },
};

await build({
  entryPoints: [join(ROOT, 'dist', 'cli', 'bundled.js')],
  outfile: BUNDLE,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['typescript'],
  plugins: [nativeAddonsByPackagePath],
  // import.meta.url of every module becomes the bundle's own URL.
  define: {'import.meta.url': '__bundle_url'},
  banner: {js: 'const __bundle_url = require("node:url").pathToFileURL(__filename).href;'},
  logLevel: 'warning',
});
