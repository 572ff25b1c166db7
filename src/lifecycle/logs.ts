/**
 * What the PXE server's own records say about each machine: isc-dhcp-server's lease file and its DHCPACK
 * log lines, tftpd-hpa's requests (--verbose, in the journal) and nginx's access log (combined format).
 * Pure: text in, events out; times are ISO 8601 UTC. A line that is not one of these is skipped (logs
 * hold many other lines); a lease file that does not parse is an error.
 */
import {PxeError} from '../errors.js';

export interface LeaseEvent {
  mac: string;
  ip: string;
  at: string;
}

export interface FetchEvent {
  ip: string;
  /** The file asked for, relative to the TFTP root or the web root, without a leading slash. */
  path: string;
  at: string;
  via: 'tftp' | 'http';
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function iso(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** dhcpd.leases: each lease's address, MAC and start (dhcpd writes UTC: "starts 4 2026/12/03 07:30:00;"). */
export function parseLeases(text: string, file: string): LeaseEvent[] {
  const events: LeaseEvent[] = [];
  for (const block of text.matchAll(/^lease ([0-9.]+) \{([^}]*)\}/gm)) {
    const body = block[2]!;
    const starts = /^\s*starts \d (\d{4})\/(\d\d)\/(\d\d) (\d\d:\d\d:\d\d);/m.exec(body);
    const mac = /^\s*hardware ethernet ([0-9a-fA-F:]{17});/m.exec(body);
    if (!mac) continue; // a lease being abandoned or freed has no client
    if (!starts)
      throw new PxeError('E_REMOTE', `${file}: the lease of ${block[1]} has no start time`, {
        where: {file},
        expected: 'isc-dhcp-server lease blocks (starts W YYYY/MM/DD HH:MM:SS;)',
      });
    events.push({
      mac: mac[1]!.toLowerCase(),
      ip: block[1]!,
      at: `${starts[1]}-${starts[2]}-${starts[3]}T${starts[4]}Z`,
    });
  }
  return events;
}

/** journalctl -o short-iso: "2026-12-03T07:30:00+0000 host ident[pid]: message" (or +00:00). */
function journalTime(line: string): {at: string; ident: string; message: string} | undefined {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)([+-]\d\d):?(\d\d) \S+ ([^\s[:]+)(?:\[\d+\])?: (.*)$/.exec(line);
  if (!m) return undefined;
  const at = new Date(`${m[1]}${m[2]}:${m[3]}`);
  return Number.isNaN(at.getTime()) ? undefined : {at: iso(at), ident: m[4]!, message: m[5]!};
}

/** dhcpd's DHCPACK lines and tftpd's RRQ lines of the journal. */
export function parseJournal(text: string): {leases: LeaseEvent[]; fetches: FetchEvent[]} {
  const leases: LeaseEvent[] = [];
  const fetches: FetchEvent[] = [];
  for (const line of text.split('\n')) {
    const entry = journalTime(line);
    if (!entry) continue;
    const ack = /^DHCPACK on ([0-9.]+) to ([0-9a-fA-F:]{17})/.exec(entry.message);
    if (ack) leases.push({mac: ack[2]!.toLowerCase(), ip: ack[1]!, at: entry.at});
    const rrq = /^RRQ from (?:::ffff:)?([0-9.]+) filename (\S+)/.exec(entry.message);
    if (rrq) fetches.push({ip: rrq[1]!, path: rrq[2]!.replace(/^\/+/, ''), at: entry.at, via: 'tftp'});
  }
  return {leases, fetches};
}

/** nginx's combined format: '1.2.3.4 - - [03/Dec/2026:07:30:05 +0000] "GET /ks/x.cfg HTTP/1.1" 200 …'; answered requests only. */
export function parseAccessLog(text: string): FetchEvent[] {
  const fetches: FetchEvent[] = [];
  for (const line of text.split('\n')) {
    const m =
      /^([0-9.]+) \S+ \S+ \[(\d\d)\/(\w{3})\/(\d{4}):(\d\d:\d\d:\d\d) ([+-]\d\d)(\d\d)\] "GET (\S+) [^"]*" (\d{3}) /.exec(
        line,
      );
    if (!m || !m[9]!.startsWith('2')) continue;
    const month = MONTHS.indexOf(m[3]!);
    if (month < 0) continue;
    const at = new Date(`${m[4]}-${String(month + 1).padStart(2, '0')}-${m[2]}T${m[5]}${m[6]}:${m[7]}`);
    if (Number.isNaN(at.getTime())) continue;
    fetches.push({ip: m[1]!, path: m[8]!.split('?')[0]!.replace(/^\/+/, ''), at: iso(at), via: 'http'});
  }
  return fetches;
}

/** Install files (kickstart, preseed, autoinstall data) as the kickstart role serves them. */
export function isInstallFile(path: string): boolean {
  return /^(ks|preseed|autoinstall)\//.test(path);
}
