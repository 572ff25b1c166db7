/** DHCP (RFC 2131/2132) packets with the PXE options of RFC 4578: encode a DISCOVER, decode replies. Pure. */

export type Arch = 'bios' | 'uefi';

/** Option 93 client system architecture (RFC 4578 / IANA): 0 x86 BIOS, 7 x86-64 UEFI. */
export const ARCH_CODE: Record<Arch, number> = {bios: 0, uefi: 7};

const MAGIC = 0x63825363;
export const DHCP = {DISCOVER: 1, OFFER: 2, REQUEST: 3, DECLINE: 4, ACK: 5, NAK: 6, RELEASE: 7, INFORM: 8} as const;

export interface DiscoverOptions {
  xid: number;
  mac: string;
  arch: Arch;
  /** 16 bytes, hex with or without dashes. */
  uuid: string;
  /** Option 77: "iPXE" as iPXE sends it, so that a server answers with iPXE's own boot file. */
  userClass?: string;
}

export function macBytes(mac: string): Buffer {
  const hex = mac.toLowerCase().replace(/[^0-9a-f]/g, '');
  if (hex.length !== 12) throw new Error(`invalid MAC address ${mac}`);
  return Buffer.from(hex, 'hex');
}

export function uuidBytes(uuid: string): Buffer {
  const hex = uuid.toLowerCase().replace(/-/g, '');
  if (!/^[0-9a-f]{32}$/.test(hex)) throw new Error(`invalid UUID ${uuid}`);
  return Buffer.from(hex, 'hex');
}

/** The vendor class a PXE ROM sends: PXEClient:Arch:xxxxx:UNDI:yyyzzz. */
export function pxeVendorClass(arch: Arch): string {
  return `PXEClient:Arch:${String(ARCH_CODE[arch]).padStart(5, '0')}:UNDI:002001`;
}

function option(code: number, data: Buffer | number[]): Buffer {
  const bytes = Buffer.from(data);
  return Buffer.concat([Buffer.from([code, bytes.length]), bytes]);
}

/** A DHCPDISCOVER as a PXE ROM sends it, with the broadcast flag so offers reach an unconfigured client. */
export function encodeDiscover(o: DiscoverOptions): Buffer {
  const header = Buffer.alloc(240);
  header[0] = 1; // BOOTREQUEST
  header[1] = 1; // Ethernet
  header[2] = 6;
  header.writeUInt32BE(o.xid >>> 0, 4);
  header.writeUInt16BE(0x8000, 10); // broadcast flag
  macBytes(o.mac).copy(header, 28);
  header.writeUInt32BE(MAGIC, 236);
  const arch = ARCH_CODE[o.arch];
  const options = Buffer.concat([
    option(53, [DHCP.DISCOVER]),
    option(57, [0x04, 0xec]), // max message size 1260
    option(93, [arch >> 8, arch & 0xff]),
    option(94, [1, 2, 1]), // UNDI 2.1
    option(97, Buffer.concat([Buffer.from([0]), uuidBytes(o.uuid)])),
    option(60, Buffer.from(pxeVendorClass(o.arch))),
    ...(o.userClass ? [option(77, Buffer.from(o.userClass))] : []),
    // subnet, router, DNS, domain, vendor, class, TFTP server, boot file, UUID, PXE 128-135, iPXE 175
    option(55, [1, 3, 6, 15, 43, 60, 66, 67, 97, 128, 129, 130, 131, 132, 133, 134, 135, 175]),
    Buffer.from([255]),
  ]);
  const packet = Buffer.concat([header, options]);
  // Pad to the BOOTP minimum of 300 bytes; some ROM-era servers drop shorter packets.
  return packet.length < 300 ? Buffer.concat([packet, Buffer.alloc(300 - packet.length)]) : packet;
}

export interface DhcpReply {
  op: number;
  xid: number;
  /** The address offered to the client. */
  yiaddr: string;
  /** next-server. */
  siaddr: string;
  chaddr: string;
  sname: string;
  file: string;
  messageType?: number;
  serverId?: string;
  /** Option 60: "PXEClient" in a ProxyDHCP offer. */
  vendorClass?: string;
  /** Option 66. */
  tftpServerName?: string;
  /** Option 67. */
  bootfileName?: string;
  subnetMask?: string;
  routers: string[];
  options: Record<number, string>;
}

const ip = (b: Buffer, at = 0) => `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
const cstr = (b: Buffer) => {
  const end = b.indexOf(0);
  return b.subarray(0, end < 0 ? b.length : end).toString('latin1');
};

/** Decodes a BOOTP/DHCP packet; undefined when it is not one (short, or no magic cookie). */
export function decodeDhcp(b: Buffer): DhcpReply | undefined {
  if (b.length < 240 || b.readUInt32BE(236) !== MAGIC) return undefined;
  const raw = new Map<number, Buffer>();
  let overload = 0;
  parseOptions(b.subarray(240), raw);
  if (raw.has(52)) overload = raw.get(52)![0]!;
  // Option overload (52): options continue in the file (1) and/or sname (2) fields.
  if (overload & 1) parseOptions(b.subarray(108, 236), raw);
  if (overload & 2) parseOptions(b.subarray(44, 108), raw);
  const text = (code: number) => (raw.has(code) ? cstr(raw.get(code)!) : undefined);
  const options: Record<number, string> = {};
  for (const [code, value] of raw) options[code] = value.toString('hex');
  const routers = raw.get(3);
  return {
    op: b[0]!,
    xid: b.readUInt32BE(4),
    yiaddr: ip(b, 16),
    siaddr: ip(b, 20),
    chaddr: [...b.subarray(28, 34)].map((x) => x.toString(16).padStart(2, '0')).join(':'),
    sname: overload & 2 ? '' : cstr(b.subarray(44, 108)),
    file: overload & 1 ? '' : cstr(b.subarray(108, 236)),
    messageType: raw.get(53)?.[0],
    serverId: raw.has(54) ? ip(raw.get(54)!) : undefined,
    vendorClass: text(60),
    tftpServerName: text(66),
    bootfileName: text(67),
    subnetMask: raw.has(1) ? ip(raw.get(1)!) : undefined,
    routers: routers ? Array.from({length: routers.length / 4}, (_, i) => ip(routers, i * 4)) : [],
    options,
  };
}

function parseOptions(b: Buffer, into: Map<number, Buffer>): void {
  let i = 0;
  while (i < b.length) {
    const code = b[i]!;
    if (code === 255) return;
    if (code === 0) {
      i++;
      continue;
    }
    const len = b[i + 1];
    if (len === undefined || i + 2 + len > b.length) return;
    const value = b.subarray(i + 2, i + 2 + len);
    // RFC 3396: a long option is split into several instances; concatenate them.
    into.set(code, into.has(code) ? Buffer.concat([into.get(code)!, value]) : value);
    i += 2 + len;
  }
}

/** Where a PXE ROM would fetch its boot file from: option 66/67 over siaddr/file, as ROMs do. */
export function bootTarget(reply: DhcpReply): {server?: string; file?: string} {
  const server = reply.tftpServerName || (reply.siaddr !== '0.0.0.0' ? reply.siaddr : undefined);
  return {server, file: reply.bootfileName || reply.file || undefined};
}

/** A ProxyDHCP offer (RFC 4578 / PXE spec): PXEClient vendor class and no address. */
export function isProxyOffer(reply: DhcpReply): boolean {
  return reply.yiaddr === '0.0.0.0' && (reply.vendorClass ?? '').startsWith('PXEClient');
}
