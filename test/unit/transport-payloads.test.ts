import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {parseListing, parseShaRecords, parseStat, parseTree, splitSections} from '../../src/transport/payloads.js';

const H1 = 'a'.repeat(64);
const H2 = 'b'.repeat(64);

function sections(...parts: Array<string | Buffer>): Buffer {
  return Buffer.concat(parts.flatMap((p) => [Buffer.from(`${Buffer.byteLength(p)}\n`), Buffer.from(p)]));
}

describe('sections', () => {
  it('splits length-prefixed sections', () => {
    assert.deepEqual(splitSections(sections('ab', '', 'c\nd'), 3).map(String), ['ab', '', 'c\nd']);
  });
  it('rejects a short payload', () => assert.throws(() => splitSections(Buffer.from('5\nab'), 1)));
});

describe('sha256sum records', () => {
  it('reads GNU escaped records and busybox raw records with newlines in names', () => {
    const names = [Buffer.from('/a b'), Buffer.from('/x\ny'), Buffer.from('/x\\y')];
    const gnu = `${H1}  /a b\n\\${H2}  /x\\ny\n\\${H1}  /x\\\\y\n`;
    const busybox = `${H1}  /a b\n${H2}  /x\ny\n${H1}  /x\\y\n`;
    assert.deepEqual(parseShaRecords(Buffer.from(gnu), names), [H1, H2, H1]);
    assert.deepEqual(parseShaRecords(Buffer.from(busybox), names), [H1, H2, H1]);
  });
  it('rejects missing records', () => assert.throws(() => parseShaRecords(Buffer.from(''), [Buffer.from('/a')])));
});

describe('stat payload', () => {
  it('merges kinds, stat lines, link targets and hashes in order', () => {
    const payload = sections(
      'fald',
      `81a4 0 0 5 1700000000 root root\na1ff 0 0 7 1700000001 root root\n41ed 1000 1000 4096 1700000002 UNKNOWN UNKNOWN\n`,
      'usr/bin\0',
      `${H1}  /f\n`,
    );
    assert.deepEqual(parseStat(['/f', '/absent', '/l', '/d'], payload, true), [
      {
        path: '/f',
        kind: 'file',
        mode: 0o644,
        uid: 0,
        gid: 0,
        owner: 'root',
        group: 'root',
        size: 5,
        mtime: 1700000000,
        sha256: H1,
      },
      {path: '/absent', kind: 'absent'},
      {
        path: '/l',
        kind: 'link',
        mode: 0o777,
        uid: 0,
        gid: 0,
        owner: 'root',
        group: 'root',
        size: 7,
        mtime: 1700000001,
        target: 'usr/bin',
      },
      {
        path: '/d',
        kind: 'directory',
        mode: 0o755,
        uid: 1000,
        gid: 1000,
        owner: undefined,
        group: undefined,
        size: 4096,
        mtime: 1700000002,
      },
    ]);
  });
  it('notices a path that vanished between the test and stat', () => {
    assert.throws(() => parseStat(['/f'], sections('f', '', '', ''), false), /changed/);
  });
});

describe('tree payload', () => {
  it('gives sorted relative entries with hashes and targets', () => {
    const payload = sections(
      '/t/b\0/t/a\0/t/a/x\0/t/l\0',
      '81a4 3\n41ed 4096\n81ed 0\na1ff 1\n',
      '/t/b\0/t/a/x\0',
      `${H1}  /t/b\n${H2}  /t/a/x\n`,
      '/t/l\0b\0',
    );
    assert.deepEqual(parseTree('/t', payload), [
      {path: 'a', kind: 'directory', mode: 0o755, size: 4096},
      {path: 'a/x', kind: 'file', mode: 0o755, size: 0, sha256: H2},
      {path: 'b', kind: 'file', mode: 0o644, size: 3, sha256: H1},
      {path: 'l', kind: 'link', mode: 0o777, size: 1, target: 'b'},
    ]);
  });
});

describe('list payload', () => {
  it('gives sorted relative entries with sizes, mtimes and targets; a fifo is other, not dropped', () => {
    const payload = sections(
      '/t/b\0/t/p\0/t/f\0',
      '81a4 3 1700000000\na1ff 11 1700000001\n11a4 0 1700000002\n',
      '/t/p\0/etc/shadow\0',
    );
    assert.deepEqual(parseListing('/t', payload), [
      {path: 'b', kind: 'file', mode: 0o644, size: 3, mtime: 1700000000},
      {path: 'f', kind: 'other', mode: 0o644, size: 0, mtime: 1700000002},
      {path: 'p', kind: 'link', mode: 0o777, size: 11, mtime: 1700000001, target: '/etc/shadow'},
    ]);
  });
  it('notices an entry that vanished between the walk and stat', () => {
    assert.throws(() => parseListing('/t', sections('/t/a\0/t/b\0', '81a4 3 1\n', '')), /changed while it was read/);
  });
});
