/**
 * The tar framing of a tree upload's small files: one `tar -x` on the target writes a run of files that
 * would otherwise cost a process each. Regular files only, mode 0644, uid/gid 0, mtime 0 (the target
 * extracts with -m and -o: now, and the extracting user). A name over 100 bytes goes first in a GNU
 * long-name entry (`././@LongLink`, type L), which GNU tar and busybox tar both read.
 */
import {pathToBytes} from './bytes.js';

export const BLOCK = 512;

/** Bytes of `size` rounded up to whole blocks. */
export function padded(size: number): number {
  return Math.ceil(size / BLOCK) * BLOCK;
}

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

function header(name: Buffer, size: number, type: '0' | 'L'): Buffer {
  const block = Buffer.alloc(BLOCK);
  name.copy(block, 0, 0, Math.min(name.length, 100));
  block.write(octal(0o644, 8), 100, 'latin1');
  block.write(octal(0, 8), 108, 'latin1');
  block.write(octal(0, 8), 116, 'latin1');
  block.write(octal(size, 12), 124, 'latin1');
  block.write(octal(0, 12), 136, 'latin1');
  block.write(' '.repeat(8), 148, 'latin1');
  block.write(type, 156, 'latin1');
  block.write('ustar\x0000', 257, 'latin1');
  block.write('root', 265, 'latin1');
  block.write('root', 297, 'latin1');
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
  return block;
}

/** What goes before a file's content: its header, after a long-name entry when the name needs one. */
export function fileHeader(path: string, size: number): Buffer {
  const name = pathToBytes(path);
  if (name.length <= 100) return header(name, size, '0');
  const long = Buffer.alloc(padded(name.length + 1));
  name.copy(long);
  return Buffer.concat([header(Buffer.from('././@LongLink'), name.length + 1, 'L'), long, header(name, size, '0')]);
}

/** The zeros after a file's content, up to its last block. */
export function filePadding(size: number): Buffer {
  return Buffer.alloc(padded(size) - size);
}

/** The end of an archive: two zero blocks. */
export const END = Buffer.alloc(2 * BLOCK);

/** Bytes of the archive of these files: what fileHeader, the content and filePadding make of each, and END. */
export function archiveSize(files: Array<{path: string; size: number}>): number {
  let total = END.length;
  for (const f of files) {
    const name = pathToBytes(f.path).length;
    total += (name <= 100 ? BLOCK : 2 * BLOCK + padded(name + 1)) + padded(f.size);
  }
  return total;
}
