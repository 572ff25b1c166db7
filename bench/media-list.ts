/**
 * What the media quick check costs (run by hand, as root, after `npm run build`):
 *   node --import tsx bench/media-list.ts        BIG_MB=700 FILES=4000 RUNS=5 by default (env to change)
 * On a local sshd: one `list` request (size, mtime, link targets of every entry, no content read: what every
 * `check` and `up` does per ISO) vs one `tree` request (every file's sha256: what `--checksum` adds), on
 * 1. the lab's test ISO, 2. a BIG_MB tree (that ISO plus one BIG_MB file and 20 packages, as bench/pxe.sh),
 * 3. FILES small files in 60 directories (a full install DVD holds a few thousand).
 * The listing's cost follows the number of files, the checksum's the number of bytes. Prints medians.
 */
import {execFileSync} from 'node:child_process';
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {makeIso} from '../src/lab/index.js';
import {connect} from '../src/transport/index.js';
import {startSshd} from '../test/helpers/sshd.js';

const BIG_MB = Number(process.env.BIG_MB ?? 700);
const FILES = Number(process.env.FILES ?? 4000);
const RUNS = Number(process.env.RUNS ?? 5);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function timed(fn: () => Promise<unknown>): Promise<{median: number; runs: number[]}> {
  const runs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    runs.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return {median: median(runs), runs};
}

const sshd = await startSshd();
const dir = mkdtempSync(join(tmpdir(), 'pxeprov-bench-media-'));
try {
  const iso = join(dir, 'test.iso');
  await makeIso(1, iso);
  const testIso = join(dir, 'test-iso');
  mkdirSync(testIso);
  execFileSync('bsdtar', ['-x', '-f', iso, '-C', testIso]);
  const big = join(dir, 'big');
  execFileSync('cp', ['-a', testIso, big]);
  mkdirSync(join(big, 'Packages'), {recursive: true});
  execFileSync('sh', [
    '-c',
    `head -c ${BIG_MB}M /dev/urandom > "$1/Packages/big-filler.rpm"; for i in $(seq 1 20); do head -c 200k /dev/urandom > "$1/Packages/pkg-$i.rpm"; done`,
    'sh',
    big,
  ]);
  const many = join(dir, 'many');
  for (let i = 0; i < FILES; i++) {
    const sub = join(many, `Packages-${i % 60}`);
    if (i < 60) mkdirSync(sub, {recursive: true});
    writeFileSync(join(sub, `package-${i}.rpm`), `rpm ${i}\n`);
  }
  // Nothing read from disk counts: warm the page cache as a converged server's would be.
  execFileSync('sh', ['-c', 'cat "$@" > /dev/null', 'sh', join(big, 'Packages/big-filler.rpm')]);

  const agent = await connect(sshd.spec());
  console.log(
    `media quick check, local sshd, ${RUNS} runs, medians (s); ${execFileSync('nproc').toString().trim()} cores, load ${execFileSync('cat', ['/proc/loadavg']).toString().split(' ').slice(0, 3).join(' ')}`,
  );
  console.log('| tree | entries | MB | list (quick check) | tree (--checksum) |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const [label, path] of [
    ['test ISO', testIso],
    [`${BIG_MB} MB ISO tree`, big],
    [`${FILES} files`, many],
  ] as const) {
    const entries = await agent.listTree(path);
    const mb = entries.reduce((sum, e) => sum + (e.kind === 'file' ? e.size : 0), 0) / 1e6;
    const list = await timed(() => agent.listTree(path));
    const tree = await timed(() => agent.hashTree(path));
    console.log(
      `| ${label} | ${entries.length} | ${mb.toFixed(1)} | ${list.median.toFixed(3)} (${list.runs.map((r) => r.toFixed(3)).join(', ')}) | ${tree.median.toFixed(3)} (${tree.runs.map((r) => r.toFixed(2)).join(', ')}) |`,
    );
  }
  await agent.close();
} finally {
  await sshd.stop();
  rmSync(dir, {recursive: true, force: true});
}
