/**
 * Lab timings (root), medians of N runs: `lab up` from the cached base, `lab up --fresh`, and BIOS and
 * UEFI clients from power-on to kickstart fetched, against the tests' stand-in PXE server.
 * Targets: cached rebuild < 20 s; BIOS and UEFI to kickstart < 22 s under TCG.
 */
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {bootClient, labDown, labUp, makeIso} from '../src/lab/index.js';
import {setupTestPxeServer} from '../test/lab/pxe-server.js';

const PREFIX = 'pxb';
const RUNS = Number(process.env.RUNS ?? 3);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const dir = await mkdtemp(join(tmpdir(), 'pxeprov-bench-'));
const inventory = join(dir, 'lab.yaml');
const rows: Array<[string, number[]]> = [];

async function time(label: string, runs: number, f: () => Promise<number | void>): Promise<void> {
  const xs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = Date.now();
    const reported = await f();
    xs.push(typeof reported === 'number' ? reported : (Date.now() - t) / 1000);
  }
  rows.push([label, xs]);
  console.error(`${label}: ${xs.map((x) => x.toFixed(1)).join(' ')}`);
}

try {
  await labDown({prefix: PREFIX});
  await labUp({prefix: PREFIX, inventory}); // builds the base once if it is not cached
  await labDown({prefix: PREFIX});
  await time('lab up (cached base, from nothing)', RUNS, async () => {
    await labUp({prefix: PREFIX, inventory});
    await labDown({prefix: PREFIX});
  });
  await labUp({prefix: PREFIX, inventory});
  await time('lab up --fresh', RUNS, async () => void (await labUp({prefix: PREFIX, fresh: true, inventory})));
  await setupTestPxeServer(PREFIX, (await makeIso(1, join(dir, 'test-1.iso'))).path);
  const boot = (uefi: boolean, nic?: 'virtio') => async () => {
    const r = await bootClient({prefix: PREFIX, uefi, nic, timeoutSeconds: 120});
    if (!r.ok) throw new Error(r.verdict);
    return r.steps.find((s) => s.step === 'kickstart')!.at;
  };
  await time('BIOS client (e1000), power-on to kickstart', RUNS, boot(false));
  await time('BIOS client (virtio-net), power-on to kickstart', RUNS, boot(false, 'virtio'));
  await time('UEFI client, power-on to kickstart', RUNS, boot(true));
} finally {
  await labDown({prefix: PREFIX});
  await rm(dir, {recursive: true, force: true});
}

console.log(`\n| step | median (s) | runs (s) |\n| --- | ---: | --- |`);
for (const [label, xs] of rows)
  console.log(`| ${label} | ${median(xs).toFixed(1)} | ${xs.map((x) => x.toFixed(1)).join(', ')} |`);
