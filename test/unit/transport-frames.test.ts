import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {bytesToPath, pathToBytes} from '../../src/transport/bytes.js';
import {FrameError, FrameParser, encodeArg, encodeRequest} from '../../src/transport/frames.js';

function parse(chunks: Buffer[]): Array<[number, string, string]> {
  const frames: Array<[number, string, string]> = [];
  let cur: [number, string, Buffer[]] | undefined;
  const parser = new FrameParser({
    start: (id, tag) => (cur = [id, tag, []]),
    data: (c) => cur![2].push(Buffer.from(c)),
    end: () => frames.push([cur![0], cur![1], Buffer.concat(cur![2]).toString('latin1')]),
  });
  for (const c of chunks) parser.push(c);
  return frames;
}

describe('frame parser', () => {
  const stream = Buffer.from('#PXP1 0 R 5\nhello#PXP1 7 K 0\n#PXP1 8 d 3\n\n\0\n#PXP1 8 K 1\n0');
  const expected: Array<[number, string, string]> = [
    [0, 'R', 'hello'],
    [7, 'K', ''],
    [8, 'd', '\n\0\n'],
    [8, 'K', '0'],
  ];

  it('parses whole frames', () => assert.deepEqual(parse([stream]), expected));

  it('parses frames split at every byte', () => {
    assert.deepEqual(parse([...stream].map((b) => Buffer.of(b))), expected);
  });

  for (const [name, bytes] of [
    ['a banner before the first frame', 'Welcome to the lab!\n#PXP1 0 S 0\n'],
    ['a partial magic', '#PXQ1 0 S 0\n'],
    ['a bad header', '#PXP1 x S 0\n'],
    ['an endless header', `#PXP1 ${'1'.repeat(200)}`],
  ] as const) {
    it(`rejects ${name} with the bytes received`, () => {
      assert.throws(
        () => parse([Buffer.from(bytes)]),
        (e: unknown) => e instanceof FrameError && e.received.length > 0,
      );
    });
  }
});

describe('request encoding', () => {
  const cases: Array<[string, string]> = [
    ['/etc/hosts', '=/etc/hosts\n'],
    ['', '=\n'],
    ["a 'b' $(c) `d` -e", "=a 'b' $(c) `d` -e\n"],
    ['a\nb', '%\\141\\012\\142\n'],
    ['%s\n', '%\\045\\163\\012\n'],
  ];
  for (const [value, line] of cases) {
    it(`encodes ${JSON.stringify(value)}`, () => assert.equal(encodeArg(value).toString('latin1'), line));
  }

  it('refuses NUL bytes', () => assert.throws(() => encodeArg('a\0b')));

  it('writes a header then one line per argument', () => {
    assert.equal(encodeRequest(3, 'stat', ['n', '/x'], 0).toString(), '3 stat 2 0\n=n\n=/x\n');
  });

  // Plain strings take a shorter path than the others: both must give the bytes of the argument lines.
  const mixes: Array<Array<string | Buffer>> = [
    ['/etc/hosts', 'ünï €', ''],
    ['/a', 'x\ny', '/b'],
    ['/a', bytesToPath(Buffer.from([0x2f, 0xff])), '/c'],
    ['/a', Buffer.from('raw\n'), 'b'],
    ['\ud83d\ude00 emoji', '\ud800 lone'],
  ];
  for (const args of mixes) {
    it(`encodes ${JSON.stringify(args.map(String))} as its argument lines`, () =>
      assert.deepEqual(
        encodeRequest(7, 'op', args, 5),
        Buffer.concat([Buffer.from(`7 op ${args.length} 5\n`), ...args.map(encodeArg)]),
      ));
  }

  it('refuses NUL bytes in a request', () => assert.throws(() => encodeRequest(1, 'stat', ['/a', 'b\0'], 0)));
});

describe('byte paths (surrogateescape)', () => {
  const samples = [
    Buffer.from('plain/ascii'),
    Buffer.from('ünïcödé/日本/😀'),
    Buffer.from([0x66, 0xff, 0xfe, 0x80, 0x2f, 0xc3]),
    Buffer.from([0xed, 0xa0, 0x80]), // an encoded surrogate is not valid UTF-8
    Buffer.from([0xf4, 0x90, 0x80, 0x80]), // above U+10FFFF
    Buffer.from([0xc0, 0xaf]), // overlong
  ];
  for (const bytes of samples) {
    it(`round-trips ${bytes.toString('hex')}`, () => assert.deepEqual(pathToBytes(bytesToPath(bytes)), bytes));
  }

  it('keeps valid UTF-8 as text', () => assert.equal(bytesToPath(Buffer.from('ünï')), 'ünï'));
  it('maps an invalid byte to U+DC80+byte', () => assert.equal(bytesToPath(Buffer.from([0x61, 0xff])), 'a\udcff'));
});
