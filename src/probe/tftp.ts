/** TFTP packets (RFC 1350) with option negotiation (RFC 2347), blksize (2348) and tsize (2349). Pure. */

export const OP = {RRQ: 1, WRQ: 2, DATA: 3, ACK: 4, ERROR: 5, OACK: 6} as const;

export function encodeRrq(file: string, options: Record<string, string> = {}): Buffer {
  const parts = [file, 'octet', ...Object.entries(options).flat()];
  return Buffer.concat([Buffer.from([0, OP.RRQ]), ...parts.map((p) => Buffer.from(`${p}\0`, 'latin1'))]);
}

export function encodeAck(block: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt16BE(OP.ACK, 0);
  b.writeUInt16BE(block & 0xffff, 2);
  return b;
}

/** Error code 0 ends a transfer early (after OACK: RFC 2347 lets the client refuse), 8 = option refused. */
export function encodeError(code: number, message: string): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt16BE(OP.ERROR, 0);
  b.writeUInt16BE(code, 2);
  return Buffer.concat([b, Buffer.from(`${message}\0`, 'latin1')]);
}

export type TftpPacket =
  | {op: 'DATA'; block: number; data: Buffer}
  | {op: 'OACK'; options: Record<string, string>}
  | {op: 'ERROR'; code: number; message: string}
  | {op: 'ACK'; block: number}
  | {op: 'OTHER'; code: number};

export function decodeTftp(b: Buffer): TftpPacket {
  const op = b.length >= 2 ? b.readUInt16BE(0) : 0;
  if (op === OP.DATA && b.length >= 4) return {op: 'DATA', block: b.readUInt16BE(2), data: b.subarray(4)};
  if (op === OP.ACK && b.length >= 4) return {op: 'ACK', block: b.readUInt16BE(2)};
  if (op === OP.ERROR && b.length >= 4) {
    const text = b.subarray(4).toString('latin1');
    return {op: 'ERROR', code: b.readUInt16BE(2), message: text.split('\0')[0]!};
  }
  if (op === OP.OACK) {
    const fields = b.subarray(2).toString('latin1').split('\0');
    const options: Record<string, string> = {};
    for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i]) options[fields[i]!.toLowerCase()] = fields[i + 1]!;
    return {op: 'OACK', options};
  }
  return {op: 'OTHER', code: op};
}

export const TFTP_ERRORS: Record<number, string> = {
  0: 'not defined',
  1: 'file not found',
  2: 'access violation',
  3: 'disk full',
  4: 'illegal operation',
  5: 'unknown transfer ID',
  6: 'file already exists',
  7: 'no such user',
  8: 'option negotiation refused',
};
