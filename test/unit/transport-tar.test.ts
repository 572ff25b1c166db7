import assert from 'node:assert/strict';
import {Readable} from 'node:stream';
import {describe, it} from 'node:test';
import {uploadEntries} from '../../src/transport/agent-client.js';
import {archiveSize, BLOCK, END, fileHeader, filePadding} from '../../src/transport/tar.js';

const MB = 1024 * 1024;
const file = (path: string, size: number) => ({path, size, sha256: '0'.repeat(64), open: () => Readable.from([])});

/** The fields of one ustar header block, and whether its checksum holds. */
function readHeader(block: Buffer) {
  const field = (from: number, length: number) => block.toString('latin1', from, from + length).replace(/\0.*$/s, '');
  const stored = parseInt(field(148, 8).trim(), 8);
  let sum = 0;
  block.forEach((byte, i) => (sum += i >= 148 && i < 156 ? 0x20 : byte));
  return {
    name: field(0, 100),
    mode: parseInt(field(100, 8), 8),
    size: parseInt(field(124, 12), 8),
    type: field(156, 1),
    magic: field(257, 6),
    checksumOk: stored === sum,
  };
}

describe('tar framing of small files', () => {
  it('writes a ustar header with a valid checksum, and pads content to whole blocks', () => {
    const h = fileHeader('Packages/a.rpm', 1000);
    assert.equal(h.length, BLOCK);
    assert.deepEqual(readHeader(h), {
      name: 'Packages/a.rpm',
      mode: 0o644,
      size: 1000,
      type: '0',
      magic: 'ustar',
      checksumOk: true,
    });
    for (const [size, pad] of [
      [0, 0],
      [1, 511],
      [512, 0],
      [1000, 24],
    ] as const)
      assert.equal(filePadding(size).length, pad, `size ${size}`);
  });

  it('puts a name over 100 bytes in a GNU long-name entry first, as bytes', () => {
    const name = `x/${'é'.repeat(60)}.rpm`;
    const h = fileHeader(name, 5);
    const bytes = Buffer.from(name, 'utf8');
    assert.equal(h.length, BLOCK + Math.ceil((bytes.length + 1) / BLOCK) * BLOCK + BLOCK);
    const long = readHeader(h.subarray(0, BLOCK));
    assert.equal(long.type, 'L');
    assert.equal(long.name, '././@LongLink');
    assert.equal(long.size, bytes.length + 1);
    assert.ok(long.checksumOk);
    assert.deepEqual(h.subarray(BLOCK, BLOCK + bytes.length), bytes);
    assert.equal(h[BLOCK + bytes.length], 0);
    const real = readHeader(h.subarray(h.length - BLOCK));
    assert.equal(real.size, 5);
    assert.ok(real.checksumOk);
  });

  it('sizes an archive as the bytes it is made of', () => {
    const files = [file('a', 0), file('b', 513), file(`long/${'n'.repeat(120)}`, 7)];
    const made = Buffer.concat([
      ...files.flatMap((f) => [fileHeader(f.path, f.size), Buffer.alloc(f.size), filePadding(f.size)]),
      END,
    ]);
    assert.equal(archiveSize(files), made.length);
  });
});

describe('upload entries', () => {
  const shape = (sizes: number[]) =>
    uploadEntries(sizes.map((size, i) => file(`f${i}`, size))).map((e) =>
      e.archive === undefined ? `f:${e.files[0]!.path}` : `t:${e.files.map((f) => f.path).join(',')}`,
    );
  const cases: Array<[string, number[], string[]]> = [
    ['no files', [], []],
    ['one small file stays as it is', [10], ['f:f0']],
    ['a run of small files is one archive', [10, 20, 30], ['t:f0,f1,f2']],
    ['a large file splits the run', [10, 20, 9 * MB, 30], ['t:f0,f1', 'f:f2', 'f:f3']],
    ['an archive closes at 32 MB', [8 * MB, 8 * MB, 8 * MB, 8 * MB, 1, 2], ['t:f0,f1,f2,f3', 't:f4,f5']],
  ];
  for (const [what, sizes, want] of cases) it(what, () => assert.deepEqual(shape(sizes), want));
});
