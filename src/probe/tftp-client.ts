import {createSocket, type RemoteInfo} from 'node:dgram';
import {decodeTftp, encodeAck, encodeError, encodeRrq, TFTP_ERRORS} from './tftp.js';

export interface TftpGetOptions {
  port?: number;
  blksize?: number;
  timeoutMs?: number;
  retries?: number;
  /** Stop after the first reply (OACK or DATA 1): proves the file can be fetched without moving it all. */
  headOnly?: boolean;
}

export interface TftpGetResult {
  /** Bytes received (the whole file unless headOnly). */
  data: Buffer;
  /** From the tsize option, when the server answers it. */
  tsize?: number;
  blksize: number;
  complete: boolean;
}

export class TftpError extends Error {
  constructor(
    message: string,
    readonly code?: number,
  ) {
    super(message);
  }
}

/** Reads one file over TFTP; rejects with TftpError (server error, or no answer after the retries). */
export function tftpGet(server: string, file: string, options: TftpGetOptions = {}): Promise<TftpGetResult> {
  const port = options.port ?? 69;
  const timeoutMs = options.timeoutMs ?? 2000;
  const retries = options.retries ?? 3;
  const wantBlksize = options.blksize ?? 1468;
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    const chunks: Buffer[] = [];
    let blksize = 512;
    let tsize: number | undefined;
    let expected = 1;
    let peer: RemoteInfo | undefined;
    let last: Buffer = encodeRrq(file, {blksize: String(wantBlksize), tsize: '0'});
    let tries = 0;
    let timer: NodeJS.Timeout | undefined;
    const finish = (error?: Error, complete = true) => {
      clearTimeout(timer);
      socket.close();
      if (error) reject(error);
      else resolve({data: Buffer.concat(chunks), tsize, blksize, complete});
    };
    const send = (packet: Buffer) => {
      last = packet;
      tries = 0;
      transmit();
    };
    const transmit = () => {
      socket.send(last, peer?.port ?? port, peer?.address ?? server);
      clearTimeout(timer);
      timer = setTimeout(() => {
        if (++tries > retries) return finish(new TftpError(`no answer from ${server} for ${file}`));
        transmit();
      }, timeoutMs);
    };
    socket.on('error', (error) => finish(new TftpError(error.message)));
    socket.on('message', (msg, rinfo) => {
      if (rinfo.address !== server) return;
      // The server answers from a new port (its transfer ID); later packets must come from it.
      if (!peer) peer = rinfo;
      else if (rinfo.port !== peer.port)
        return socket.send(encodeError(5, 'unknown transfer ID'), rinfo.port, rinfo.address);
      const packet = decodeTftp(msg);
      if (packet.op === 'ERROR') {
        return finish(new TftpError(`${file}: ${packet.message || TFTP_ERRORS[packet.code] || 'error'}`, packet.code));
      }
      if (packet.op === 'OACK') {
        blksize = Number(packet.options.blksize ?? 512);
        if (packet.options.tsize !== undefined) tsize = Number(packet.options.tsize);
        if (options.headOnly) {
          socket.send(encodeError(0, 'probe: enough'), peer.port, peer.address);
          return finish(undefined, false);
        }
        return send(encodeAck(0));
      }
      if (packet.op !== 'DATA') return;
      if (packet.block !== (expected & 0xffff)) return transmit(); // duplicate: ack again
      chunks.push(packet.data);
      expected++;
      const done = packet.data.length < blksize;
      if (options.headOnly && !done) {
        socket.send(encodeError(0, 'probe: enough'), peer.port, peer.address);
        return finish(undefined, false);
      }
      socket.send(encodeAck(packet.block), peer.port, peer.address);
      if (done) return finish();
      send(encodeAck(packet.block));
    });
    socket.bind(0, () => transmit());
  });
}
