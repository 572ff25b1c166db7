/**
 * Fuzz: 1000 generated file names (spaces, quotes, $(), backticks, newlines, leading dashes, globs,
 * backslashes, invalid UTF-8) with random binary contents (NUL bytes included), written through the
 * agent in one pipelined burst, then read back byte for byte: by the agent and by the local file system.
 */
import assert from 'node:assert/strict';
import {createHash} from 'node:crypto';
import {mkdtempSync, readFileSync, readdirSync} from 'node:fs';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {bytesToPath, pathToBytes} from '../../src/transport/bytes.js';
import {connect} from '../../src/transport/index.js';
import type {Agent} from '../../src/transport/index.js';
import {startSshd} from '../helpers/sshd.js';
import type {TestSshd} from '../helpers/sshd.js';

/** A small deterministic PRNG (mulberry32), so a failure can be replayed. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = [
  ' ',
  "'",
  '"',
  '$(id)',
  '`id`',
  '\n',
  '-',
  '--',
  '*',
  '?',
  '[a]',
  '\\',
  '%s',
  '\\n',
  '\\012',
  ';',
  '&',
  '|',
  '>',
  '<',
  '~',
  '#',
  'é',
  '日本',
  '😀',
  '\t',
  '\r',
  '=',
  'x',
  'name',
];

function generate(count: number, seed: number): Array<{name: Buffer; content: Buffer}> {
  const rand = prng(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]!;
  const seen = new Set<string>();
  const out: Array<{name: Buffer; content: Buffer}> = [];
  while (out.length < count) {
    const parts: Buffer[] = [];
    if (rand() < 0.3) parts.push(Buffer.from('-'));
    for (let i = 1 + Math.floor(rand() * 6); i > 0; i--) {
      parts.push(rand() < 0.15 ? Buffer.of(0x80 + Math.floor(rand() * 0x80)) : Buffer.from(pick(PIECES)));
    }
    const name = Buffer.concat(parts);
    const key = name.toString('hex');
    if (seen.has(key) || name.equals(Buffer.from('.')) || name.equals(Buffer.from('..')) || name.length > 200) continue;
    seen.add(key);
    const content = Buffer.alloc(Math.floor(rand() * 3000));
    for (let i = 0; i < content.length; i++) content[i] = rand() < 0.2 ? 0 : Math.floor(rand() * 256);
    out.push({name, content});
  }
  return out;
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

let sshd: TestSshd;
before(async () => {
  sshd = await startSshd();
});
after(async () => {
  await sshd.stop();
});

for (const [shell, count] of [
  ['/bin/dash', 1000],
  ['busybox sh', 400],
] as const) {
  describe(`fuzz under ${shell}`, () => {
    let agent: Agent;
    before(async () => {
      agent = await connect(sshd.spec({shell}));
    });
    after(async () => {
      await agent.close();
    });

    it(`round-trips ${count} odd names and binary contents byte for byte`, async () => {
      const root = mkdtempSync(join(sshd.dir, 'fuzz-'));
      const files = generate(count, 4);
      const paths = files.map((f) => `${root}/${bytesToPath(f.name)}`);
      const written = await Promise.all(files.map((f, i) => agent.writeFile(paths[i]!, f.content)));
      assert.ok(written.every((w) => w.changed));
      // The local file system sees exactly these names and bytes.
      const local = new Map(readdirSync(root, {encoding: 'buffer'}).map((n) => [n.toString('hex'), n]));
      assert.equal(local.size, files.length);
      for (const f of files) {
        assert.ok(local.has(f.name.toString('hex')), `missing ${JSON.stringify(f.name.toString('latin1'))}`);
        assert.ok(readFileSync(Buffer.concat([pathToBytes(root), Buffer.from('/'), f.name])).equals(f.content));
      }
      // The agent reads them back: stat + sha256 (one merged request), contents, the tree.
      const stats = await Promise.all(paths.map((p) => agent.stat([p], {sha256: true})));
      stats.forEach(([s], i) => {
        assert.equal(s!.kind, 'file');
        assert.equal(s!.size, files[i]!.content.length);
        assert.equal(s!.sha256, sha(files[i]!.content));
      });
      // Whole contents for a sample (sha256 above covers every file).
      const sample = paths.map((p, i) => [p, i] as const).filter(([, i]) => i % 5 === 0);
      const contents = await Promise.all(sample.map(([p]) => agent.readFile(p)));
      contents.forEach((c, k) => assert.ok(c!.equals(files[sample[k]![1]]!.content), `content of ${sample[k]![0]}`));
      const tree = await agent.hashTree(root);
      assert.deepEqual(
        tree.map((e) => [pathToBytes(e.path).toString('hex'), e.sha256]).sort(),
        files.map((f) => [f.name.toString('hex'), sha(f.content)]).sort(),
      );
      // Writing the same again changes nothing.
      const again = await Promise.all(files.map((f, i) => agent.writeFile(paths[i]!, f.content)));
      assert.ok(again.every((w) => !w.changed));
    });
  });
}
