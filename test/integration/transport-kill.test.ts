/**
 * Atomic writes under SIGKILL: a child process uploading 50 MB is killed at a random moment, 20 times.
 * The file is always the old one or the new one, never a mix; the agent's EXIT trap (or the next
 * write of that name) leaves no temp file behind; the same through a local agent.
 */
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {mkdtempSync, readFileSync, readdirSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {fileURLToPath} from 'node:url';
import {connect} from '../../src/transport/index.js';
import type {ConnectionSpec} from '../../src/transport/index.js';
import {startSshd} from '../helpers/sshd.js';
import type {TestSshd} from '../helpers/sshd.js';

const SIZE = 50 * 1024 * 1024;
const RUNS = 20;
const child = fileURLToPath(new URL('./transport-upload-child.ts', import.meta.url));

let sshd: TestSshd;
before(async () => {
  sshd = await startSshd();
});
after(async () => {
  await sshd.stop();
});

/** The byte every position of the file holds, or null when it is not uniform (a torn write). */
function uniformByte(file: string): {byte: number | null; size: number} {
  const data = readFileSync(file);
  const byte = data[0]!;
  return {byte: data.equals(Buffer.alloc(data.length, byte)) ? byte : null, size: data.length};
}

async function settle(dir: string, name: string): Promise<string[]> {
  // A killed client's agent sees EOF and removes its temp file; give it a moment.
  for (let i = 0; i < 50; i++) {
    const temps = readdirSync(dir).filter((n) => n.startsWith(`.${name}.pxeprov-tmp.`));
    if (temps.length === 0) return temps;
    await new Promise((r) => setTimeout(r, 100));
  }
  return readdirSync(dir).filter((n) => n.startsWith(`.${name}.pxeprov-tmp.`));
}

/** Kills `runs` uploading children at spread moments; the file must always be the old one or the new one. */
async function killDuringUploads(spec: ConnectionSpec, dir: string, runs: number): Promise<{old: number; new: number}> {
  const file = join(dir, 'image.iso');
  writeFileSync(file, Buffer.alloc(1024 * 1024, 0xaa));
  let current = {byte: 0xaa, size: 1024 * 1024};
  const outcomes = {old: 0, new: 0};
  for (let run = 0; run < runs; run++) {
    const fill = run + 1;
    const proc = spawn(
      process.execPath,
      ['--import', 'tsx', child, JSON.stringify(spec), file, String(fill), String(SIZE)],
      {stdio: ['ignore', 'pipe', 'inherit']},
    );
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    await new Promise<void>((resolve, reject) => {
      proc.stdout!.on('data', (d: Buffer) => d.toString().includes('uploading') && resolve());
      proc.once('exit', () => reject(new Error('the child exited before uploading')));
    });
    // Spread the kills over the transfer: early, middle, after the last byte.
    await new Promise((r) => setTimeout(r, (run * 37) % 400));
    proc.kill('SIGKILL');
    await exited;
    assert.deepEqual(await settle(dir, 'image.iso'), [], `run ${run}: temp file left behind`);
    const now = uniformByte(file);
    if (now.byte === fill && now.size === SIZE) {
      outcomes.new++;
      current = {byte: fill, size: SIZE};
    } else {
      assert.deepEqual(now, current, `run ${run}: the file is neither the old nor the new one`);
      outcomes.old++;
    }
  }
  return outcomes;
}

describe('SIGKILL during a 50 MB upload', () => {
  it(`leaves the old or the new file, never a partial one (${RUNS} runs)`, async (t) => {
    const dir = mkdtempSync(join(sshd.dir, 'kill-'));
    const file = join(dir, 'image.iso');
    const outcomes = await killDuringUploads(sshd.spec({shell: '/bin/dash'}), dir, RUNS);
    // The next write of that name: no stray temp files, and it reads back identical.
    writeFileSync(join(dir, '.image.iso.pxeprov-tmp.999999999'), 'from a run killed with its agent');
    const agent = await connect(sshd.spec());
    try {
      const content = Buffer.alloc(1000, 7);
      assert.deepEqual(await agent.writeFile(file, content), {changed: true});
      assert.deepEqual(await agent.readFile(file), content);
    } finally {
      await agent.close();
    }
    assert.deepEqual(readdirSync(dir), ['image.iso']);
    t.diagnostic(`killed runs: ${outcomes.old} kept the old file, ${outcomes.new} had finished the new one`);
  });

  it('keeps the same guarantee through a local agent (ansible_connection: local)', async (t) => {
    const dir = mkdtempSync(join(sshd.dir, 'kill-local-'));
    // pxeprov killed: the local agent sees EOF, as over SSH, and its EXIT trap removes the temp file.
    const outcomes = await killDuringUploads({name: 'here', connection: 'local', shell: '/bin/dash'}, dir, 6);
    assert.deepEqual(readdirSync(dir), ['image.iso']);
    t.diagnostic(`killed runs: ${outcomes.old} kept the old file, ${outcomes.new} had finished the new one`);
  });
});
