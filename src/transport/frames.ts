/**
 * The wire format between the client and agent.sh (see the header of src/agent/agent.sh).
 * Pure: no I/O, so it is tested with data.
 */
import {pathToBytes} from './bytes.js';

export const MAGIC = '#PXP1 ';
const MAX_HEADER = 96;

/** One argument line: "=" + raw value, or "%" + \ooo escapes when the value holds a newline. */
export function encodeArg(value: string | Buffer): Buffer {
  const bytes = typeof value === 'string' ? pathToBytes(value) : value;
  if (bytes.includes(0)) throw new Error('an argument cannot contain a NUL byte');
  if (!bytes.includes(10)) return Buffer.concat([Buffer.from('='), bytes, Buffer.from('\n')]);
  let escaped = '%';
  for (const byte of bytes) escaped += '\\' + byte.toString(8).padStart(3, '0');
  return Buffer.from(escaped + '\n', 'latin1');
}

/** A string that encodeArg would send as "=" + its UTF-8 bytes (no NUL, newline or surrogate-escaped byte). */
const PLAIN_ARG = /^[^\0\n\uD800-\uDFFF]*$/;

export function encodeRequest(id: number, op: string, args: Array<string | Buffer>, bodyLength: number): Buffer {
  const head = `${id} ${op} ${args.length} ${bodyLength}\n`;
  // The common case, every argument a plain path or word: one string, one buffer (a stat of 1,500 paths
  // made 4,500 small buffers).
  if (args.every((a) => typeof a === 'string' && PLAIN_ARG.test(a)))
    return Buffer.from(head + args.map((a) => `=${a}\n`).join(''), 'utf8');
  return Buffer.concat([Buffer.from(head), ...args.map(encodeArg)]);
}

export interface FrameSink {
  start(id: number, tag: string, length: number): void;
  data(chunk: Buffer): void;
  end(): void;
}

/** The stream held something that is not a frame: a banner, a .bashrc echo, a dead agent's noise. */
export class FrameError extends Error {
  constructor(readonly received: Buffer) {
    super('unexpected bytes where a frame header was expected');
  }
}

/** Splits the agent's stdout into frames; payloads stream through as they arrive. */
export class FrameParser {
  private head: Buffer[] = [];
  private remaining = -1;

  constructor(private readonly sink: FrameSink) {}

  push(chunk: Buffer): void {
    let off = 0;
    while (off < chunk.length) {
      if (this.remaining > 0) {
        const n = Math.min(this.remaining, chunk.length - off);
        this.remaining -= n;
        this.sink.data(chunk.subarray(off, off + n));
        off += n;
        if (this.remaining === 0) this.finish();
        continue;
      }
      const nl = chunk.indexOf(10, off);
      const part = chunk.subarray(off, nl < 0 ? chunk.length : nl);
      this.head.push(part);
      const head = Buffer.concat(this.head);
      const prefix = Math.min(head.length, MAGIC.length);
      if (head.subarray(0, prefix).toString('latin1') !== MAGIC.slice(0, prefix) || head.length > MAX_HEADER) {
        throw new FrameError(Buffer.concat([head, chunk.subarray(nl < 0 ? chunk.length : nl, chunk.length)]));
      }
      if (nl < 0) return;
      off = nl + 1;
      this.head = [];
      const m = /^#PXP1 (\d+) ([A-Za-z]) (\d+)$/.exec(head.toString('latin1'));
      if (!m) throw new FrameError(Buffer.concat([head, chunk.subarray(nl)]));
      this.sink.start(Number(m[1]), m[2]!, Number(m[3]));
      this.remaining = Number(m[3]);
      if (this.remaining === 0) this.finish();
    }
  }

  private finish(): void {
    this.remaining = -1;
    this.sink.end();
  }
}

/** A printable excerpt of unexpected bytes, for error messages. */
export function excerpt(bytes: Buffer, max = 120): string {
  const text = bytes
    .subarray(0, max)
    .toString('latin1')
    .replace(/[^\x20-\x7e]/g, (c) => (c === '\n' ? '\\n' : '.'));
  return bytes.length > max ? `${text}…` : text;
}
