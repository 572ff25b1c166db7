import {spawn} from 'node:child_process';
import {readFile} from 'node:fs/promises';
import type {LabNames} from './names.js';
import {run} from './exec.js';

/**
 * The lab LAN answers IPv6 router solicitations like a LAN with an IPv4-only router: a router
 * advertisement with lifetime 0, no prefix and no DHCPv6 flags. iPXE's "Configuring" waits for its IPv6
 * router discovery to end (about 15 s on a LAN where nobody answers); this ends it at once. Node has no
 * raw ICMPv6 sockets, hence python3. It runs in the LAN namespace, so `lab down` ends it with the rest.
 */
const RESPONDER = `
import socket, struct, sys
ifname = sys.argv[2]
index = socket.if_nametoindex(ifname)
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, 255)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, index)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP, socket.inet_pton(socket.AF_INET6, 'ff02::2') + struct.pack('@I', index))
# type 134, code 0, checksum (the kernel fills it), hop limit 64, no M/O flags, router lifetime 0
advert = struct.pack('!BBHBBHII', 134, 0, 0, 64, 0, 0, 0, 0)
while True:
    data, _ = s.recvfrom(2048)
    if data[:1] == b'\\x85':
        s.sendto(advert, ('ff02::1', 0, 0, index))
`;

const MARKER = 'pxeprov-lab-ra';

export async function ensureRouterAdvertiser(n: LabNames): Promise<void> {
  const {stdout} = await run(['ip', 'netns', 'pids', n.lanNetns], {allowFail: true});
  for (const pid of stdout.split(/\s+/).filter(Boolean)) {
    // A process that has ended meanwhile has no /proc entry: not ours to stop.
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(MARKER)) return;
  }
  await run(['python3', '-c', '']); // fails with a hint when python3 is missing, rather than a silent slow LAN
  const child = spawn('ip', ['netns', 'exec', n.lanNetns, 'python3', '-c', RESPONDER, MARKER, n.bridge], {
    detached: true,
    stdio: 'ignore',
  });
  child.unref();
}
