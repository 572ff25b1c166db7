import {fileURLToPath} from 'node:url';
import {run} from '../lab/exec.js';
import {PxeError} from '../errors.js';
import type {ProbeOptions, ProbeReport} from './probe.js';

/**
 * Runs the probe inside a network namespace: node cannot bind a socket to a device, so the probe runs
 * where the probed LAN is the only way out (`ip netns exec`), in a child node with this process's
 * loader flags (tsx in development), and hands its report back as JSON.
 */
export async function probeInNetns(netns: string, options: ProbeOptions): Promise<ProbeReport> {
  const self = fileURLToPath(import.meta.url);
  const probeModule = self.replace(/netns\.(ts|js)$/, 'probe.$1');
  const script = `import(${JSON.stringify(probeModule)}).then(async (m) => {
    process.stdout.write(JSON.stringify(await m.runProbe(${JSON.stringify(options)})));
  });`;
  const r = await run(
    ['ip', 'netns', 'exec', netns, process.execPath, ...process.execArgv, '--input-type=module', '-e', script],
    {allowFail: true},
  );
  if (r.code !== 0) {
    throw new PxeError(
      'E_PROBE',
      `the probe could not run in network namespace ${netns}: ${r.stderr.trim().split('\n').slice(-3).join(' ')}`,
      {
        hint: 'the namespace must exist (`ip netns list`) and the probe needs root',
      },
    );
  }
  return JSON.parse(r.stdout) as ProbeReport;
}
