/**
 * Paths are JS strings but file names are bytes. Like Python's "surrogateescape", a byte that is not
 * part of valid UTF-8 maps to the lone surrogate U+DC80..U+DCFF, so any name round-trips exactly.
 */

export function pathToBytes(path: string): Buffer {
  if (!/[\uD800-\uDFFF]/.test(path)) return Buffer.from(path, 'utf8');
  const out: Buffer[] = [];
  let run = '';
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c >= 0xdc80 && c <= 0xdcff) {
      if (run) out.push(Buffer.from(run, 'utf8'));
      run = '';
      out.push(Buffer.of(c - 0xdc00));
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < path.length) {
      run += path.slice(i, i + 2);
      i++;
    } else {
      run += path[i];
    }
  }
  if (run) out.push(Buffer.from(run, 'utf8'));
  return Buffer.concat(out);
}

/** Length of the valid UTF-8 sequence starting at b[i], or 0 if it is not one. */
function utf8SeqLength(b: Buffer, i: number): number {
  const c = b[i]!;
  if (c < 0x80) return 1;
  let n: number;
  let min: number;
  if (c >= 0xc2 && c <= 0xdf) [n, min] = [2, 0x80];
  else if (c >= 0xe0 && c <= 0xef) [n, min] = [3, 0x800];
  else if (c >= 0xf0 && c <= 0xf4) [n, min] = [4, 0x10000];
  else return 0;
  if (i + n > b.length) return 0;
  let cp = c & (0xff >> (n + 1));
  for (let k = 1; k < n; k++) {
    const cc = b[i + k]!;
    if ((cc & 0xc0) !== 0x80) return 0;
    cp = (cp << 6) | (cc & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return n;
}

export function bytesToPath(b: Buffer): string {
  let out = '';
  let start = 0;
  let i = 0;
  while (i < b.length) {
    const n = utf8SeqLength(b, i);
    if (n > 0) {
      i += n;
      continue;
    }
    out += b.toString('utf8', start, i) + String.fromCharCode(0xdc00 + b[i]!);
    i++;
    start = i;
  }
  return out + b.toString('utf8', start, b.length);
}
