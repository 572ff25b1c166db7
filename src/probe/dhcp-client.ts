import {createSocket} from 'node:dgram';
import {randomBytes} from 'node:crypto';
import {decodeDhcp, encodeDiscover, type Arch, type DhcpReply, DHCP} from './dhcp.js';

export interface DiscoverRun {
  mac: string;
  arch: Arch;
  uuid: string;
  /** How long to collect offers. */
  waitMs: number;
  /** Option 77 (iPXE's "iPXE"). */
  userClass?: string;
}

/**
 * Broadcasts DHCPDISCOVERs (at 0 s and half-way) from port 68 and collects every OFFER for this xid.
 * Never sends a REQUEST, so no server binds a lease. Needs root (port 68) and a route for
 * 255.255.255.255 out of the probed interface.
 */
export function discover(run: DiscoverRun): Promise<DhcpReply[]> {
  const xid = randomBytes(4).readUInt32BE(0);
  const packet = encodeDiscover({xid, mac: run.mac, arch: run.arch, uuid: run.uuid, userClass: run.userClass});
  return new Promise((resolve, reject) => {
    const socket = createSocket({type: 'udp4', reuseAddr: true});
    const offers: DhcpReply[] = [];
    const timers: NodeJS.Timeout[] = [];
    socket.on('error', (error) => {
      timers.forEach(clearTimeout);
      socket.close();
      reject(error);
    });
    socket.on('message', (msg) => {
      const reply = decodeDhcp(msg);
      if (!reply || reply.op !== 2 || reply.xid !== xid || reply.messageType !== DHCP.OFFER) return;
      const key = `${reply.serverId}|${reply.yiaddr}|${reply.file}|${reply.bootfileName}`;
      if (!offers.some((o) => `${o.serverId}|${o.yiaddr}|${o.file}|${o.bootfileName}` === key)) offers.push(reply);
    });
    socket.bind(68, '0.0.0.0', () => {
      socket.setBroadcast(true);
      const send = () => socket.send(packet, 67, '255.255.255.255');
      send();
      timers.push(setTimeout(send, run.waitMs / 2));
      timers.push(
        setTimeout(() => {
          socket.close();
          resolve(offers);
        }, run.waitMs),
      );
    });
  });
}
