import {describe, it} from 'node:test';
import assert from 'node:assert/strict';
import {bootTarget, decodeDhcp, encodeDiscover, isProxyOffer, pxeVendorClass} from '../../src/probe/dhcp.js';
import {decodeTftp, encodeAck, encodeError, encodeRrq} from '../../src/probe/tftp.js';

/** Options of a packet as [code, bytes] pairs, read back from its wire form. */
function optionsOf(packet: Buffer): Map<number, Buffer> {
  const map = new Map<number, Buffer>();
  for (let i = 240; i < packet.length && packet[i] !== 255;) {
    if (packet[i] === 0) {
      i++;
      continue;
    }
    map.set(packet[i]!, packet.subarray(i + 2, i + 2 + packet[i + 1]!));
    i += 2 + packet[i + 1]!;
  }
  return map;
}

/** An OFFER as isc-dhcpd sends it: BOOTREPLY, yiaddr, siaddr, file, options. */
function offer(o: {
  xid: number;
  yiaddr: number[];
  siaddr: number[];
  file?: string;
  options: Array<[number, number[] | string]>;
  sname?: string;
}): Buffer {
  const b = Buffer.alloc(240);
  b[0] = 2;
  b[1] = 1;
  b[2] = 6;
  b.writeUInt32BE(o.xid, 4);
  Buffer.from(o.yiaddr).copy(b, 16);
  Buffer.from(o.siaddr).copy(b, 20);
  Buffer.from([0x52, 0x54, 0, 0x12, 0x34, 0x56]).copy(b, 28);
  if (o.sname) b.write(o.sname, 44, 'latin1');
  if (o.file) b.write(o.file, 108, 'latin1');
  b.writeUInt32BE(0x63825363, 236);
  const opts = o.options.map(([code, v]) => {
    const data = typeof v === 'string' ? Buffer.from(v, 'latin1') : Buffer.from(v);
    return Buffer.concat([Buffer.from([code, data.length]), data]);
  });
  return Buffer.concat([b, ...opts, Buffer.from([255])]);
}

describe('DHCPDISCOVER', () => {
  const packet = encodeDiscover({
    xid: 0xdeadbeef,
    mac: '52:54:00:12:34:56',
    arch: 'uefi',
    uuid: '8c6b4dc2-837a-da11-b45d-b37d29a9f83d',
  });
  it('is a BOOTREQUEST with the broadcast flag, the xid and the MAC', () => {
    assert.equal(packet[0], 1);
    assert.equal(packet.readUInt32BE(4), 0xdeadbeef);
    assert.equal(packet.readUInt16BE(10), 0x8000);
    assert.equal(packet.subarray(28, 34).toString('hex'), '525400123456');
    assert.ok(packet.length >= 300);
  });
  it('carries the PXE options: 53, 60, 93, 94, 97', () => {
    const o = optionsOf(packet);
    assert.deepEqual([...o.get(53)!], [1]);
    assert.equal(o.get(60)!.toString(), 'PXEClient:Arch:00007:UNDI:002001');
    assert.deepEqual([...o.get(93)!], [0, 7]);
    assert.deepEqual([...o.get(94)!], [1, 2, 1]);
    assert.equal(o.get(97)!.toString('hex'), '008c6b4dc2837ada11b45db37d29a9f83d');
    assert.ok([...o.get(55)!].includes(67));
  });
  it('carries user class iPXE (option 77) only when asked, as iPXE asks again after its PXE ROM', () => {
    assert.equal(optionsOf(packet).get(77), undefined);
    const ipxe = encodeDiscover({
      xid: 1,
      mac: '52:54:00:00:00:01',
      arch: 'bios',
      uuid: '00'.repeat(16),
      userClass: 'iPXE',
    });
    assert.equal(optionsOf(ipxe).get(77)!.toString(), 'iPXE');
  });
  it('names the BIOS architecture 0', () => {
    assert.equal(pxeVendorClass('bios'), 'PXEClient:Arch:00000:UNDI:002001');
  });
  it('rejects a bad MAC or UUID', () => {
    assert.throws(() => encodeDiscover({xid: 1, mac: '52:54', arch: 'bios', uuid: '00'.repeat(16)}));
    assert.throws(() => encodeDiscover({xid: 1, mac: '52:54:00:00:00:01', arch: 'bios', uuid: 'xyz'}));
  });
});

describe('DHCP replies', () => {
  it('decodes an OFFER: address, next-server, file, server id, mask, routers', () => {
    const r = decodeDhcp(
      offer({
        xid: 7,
        yiaddr: [192, 168, 77, 100],
        siaddr: [192, 168, 77, 1],
        file: 'pxelinux.0',
        options: [
          [53, [2]],
          [54, [192, 168, 77, 1]],
          [1, [255, 255, 255, 0]],
          [3, [192, 168, 77, 1, 192, 168, 77, 2]],
        ],
      }),
    )!;
    assert.equal(r.messageType, 2);
    assert.equal(r.yiaddr, '192.168.77.100');
    assert.equal(r.siaddr, '192.168.77.1');
    assert.equal(r.file, 'pxelinux.0');
    assert.equal(r.serverId, '192.168.77.1');
    assert.equal(r.subnetMask, '255.255.255.0');
    assert.deepEqual(r.routers, ['192.168.77.1', '192.168.77.2']);
    assert.equal(r.chaddr, '52:54:00:12:34:56');
    assert.deepEqual(bootTarget(r), {server: '192.168.77.1', file: 'pxelinux.0'});
    assert.equal(isProxyOffer(r), false);
  });
  it('prefers options 66/67 to siaddr/file, as PXE ROMs do', () => {
    const r = decodeDhcp(
      offer({
        xid: 7,
        yiaddr: [10, 0, 0, 5],
        siaddr: [10, 0, 0, 1],
        file: 'old.0',
        options: [
          [53, [2]],
          [66, '10.0.0.9'],
          [67, 'bootx64.efi'],
        ],
      }),
    )!;
    assert.deepEqual(bootTarget(r), {server: '10.0.0.9', file: 'bootx64.efi'});
  });
  it('reads options overloaded into the file field (option 52)', () => {
    const file = Buffer.from([67, 8, ...Buffer.from('grub.efi'), 255]).toString('latin1');
    const r = decodeDhcp(
      offer({
        xid: 1,
        yiaddr: [10, 0, 0, 5],
        siaddr: [10, 0, 0, 1],
        file,
        options: [
          [53, [2]],
          [52, [1]],
        ],
      }),
    )!;
    assert.equal(r.file, '');
    assert.equal(r.bootfileName, 'grub.efi');
  });
  it('joins a split long option (RFC 3396)', () => {
    const r = decodeDhcp(
      offer({
        xid: 1,
        yiaddr: [0, 0, 0, 0],
        siaddr: [0, 0, 0, 0],
        options: [
          [53, [2]],
          [67, 'ab'],
          [67, 'cd'],
        ],
      }),
    )!;
    assert.equal(r.bootfileName, 'abcd');
  });
  it('recognises a ProxyDHCP offer: no address, PXEClient vendor class', () => {
    const r = decodeDhcp(
      offer({
        xid: 1,
        yiaddr: [0, 0, 0, 0],
        siaddr: [10, 0, 0, 2],
        file: 'pxelinux.0',
        options: [
          [53, [2]],
          [60, 'PXEClient'],
        ],
      }),
    )!;
    assert.equal(isProxyOffer(r), true);
  });
  it('ignores what is not DHCP', () => {
    assert.equal(decodeDhcp(Buffer.alloc(100)), undefined);
    assert.equal(decodeDhcp(Buffer.alloc(300)), undefined);
  });
});

describe('TFTP packets', () => {
  it('encodes a read request with blksize and tsize options (RFC 2347-2349)', () => {
    assert.equal(
      encodeRrq('pxelinux.0', {blksize: '1468', tsize: '0'}).toString('latin1'),
      '\0\x01pxelinux.0\0octet\0blksize\x001468\0tsize\x000\0',
    );
  });
  it('encodes ACK and ERROR', () => {
    assert.equal(encodeAck(70000).toString('hex'), '00041170');
    assert.equal(encodeError(0, 'stop').toString('latin1'), '\0\x05\0\0stop\0');
  });
  it('decodes DATA, OACK and ERROR', () => {
    assert.deepEqual(decodeTftp(Buffer.from('\0\x03\0\x02abc', 'latin1')), {
      op: 'DATA',
      block: 2,
      data: Buffer.from('abc'),
    });
    assert.deepEqual(decodeTftp(Buffer.from('\0\x06BLKSIZE\x001468\0tsize\x0042430\0', 'latin1')), {
      op: 'OACK',
      options: {blksize: '1468', tsize: '42430'},
    });
    assert.deepEqual(decodeTftp(Buffer.from('\0\x05\0\x01File not found\0', 'latin1')), {
      op: 'ERROR',
      code: 1,
      message: 'File not found',
    });
  });
});
