import {describe, it} from 'node:test';
import assert from 'node:assert/strict';
import {mirrorFromSources} from '../../src/lab/mirror.js';
import {labNames, mgmtOctet} from '../../src/lab/names.js';
import {loadOrder, modinfoDepends} from '../../src/lab/modules.js';
import {splitRule} from '../../src/lab/network.js';
import {labInventory} from '../../src/lab/inventory.js';
import {cleanLine, finished, timelineOf} from '../../src/lab/timeline.js';
import {initScript} from '../../src/lab/initrd.js';
import {treeinfo} from '../../src/lab/make-iso.js';
import {parseProcStat} from '../../src/lab/state.js';

describe('apt sources', () => {
  it('reads the mirror of a suite from deb822 stanzas', () => {
    const text =
      `Types: deb\nURIs: http://mirror.example/debian\nSuites: bookworm bookworm-updates\nComponents: main\n\n` +
      `Types: deb\nURIs: http://mirror.example/debian-security\nSuites: bookworm-security\n`;
    assert.equal(mirrorFromSources([text], 'bookworm'), 'http://mirror.example/debian');
    assert.equal(mirrorFromSources([text], 'trixie'), undefined);
  });
  it('reads one-line sources.list entries with options, and skips disabled stanzas', () => {
    assert.equal(
      mirrorFromSources(['# x\ndeb [arch=amd64] http://m.example/debian bookworm main\n'], 'bookworm'),
      'http://m.example/debian',
    );
    assert.equal(
      mirrorFromSources(['Enabled: no\nTypes: deb\nURIs: http://a/\nSuites: bookworm\n'], 'bookworm'),
      undefined,
    );
  });
});

describe('lab names', () => {
  it('carry the prefix in every root-namespace name and stay within 15 characters', () => {
    const n = labNames('lab2abcd');
    for (const name of [n.srvNetns, n.lanNetns, n.mgmtRoot, n.bridge, n.lanPort, `${n.tapPrefix}99`]) {
      assert.ok(name.startsWith('lab2abcd'), name);
      assert.ok(name.length <= 15, name);
    }
  });
  it('give two prefixes different management subnets, in 10.213.0.0/16', () => {
    assert.notEqual(labNames('pxl').mgmtSubnet, labNames('pxt').mgmtSubnet);
    assert.equal(mgmtOctet('pxl') % 4, 0);
    assert.match(labNames('pxl').mgmtHostIp, /^10\.213\.\d+\.2$/);
  });
  it('refuse a prefix that would make bad interface names', () => {
    assert.throws(() => labNames('Bad-Prefix'), /invalid lab prefix/);
    assert.throws(() => labNames('toolongprefix'), /invalid lab prefix/);
  });
});

describe('kernel modules', () => {
  it('reads depends= from a .modinfo section', () => {
    const ko = Buffer.from('\x7fELF....\0license=GPL\0depends=net_failover,virtio-ring\0retpoline=Y\0');
    assert.deepEqual(modinfoDepends(ko), ['net_failover', 'virtio_ring']);
    assert.deepEqual(modinfoDepends(Buffer.from('\0depends=\0')), []);
  });
  it('orders modules after their dependencies', () => {
    const deps: Record<string, string[]> = {
      virtio_net: ['net_failover', 'virtio'],
      net_failover: ['failover'],
      virtio: [],
      failover: [],
      e1000: [],
    };
    assert.deepEqual(
      loadOrder(['e1000', 'virtio_net'], (n) => deps[n]!),
      ['e1000', 'failover', 'net_failover', 'virtio', 'virtio_net'],
    );
    assert.throws(() => loadOrder(['a'], (n) => (n === 'a' ? ['b'] : ['a'])), /cycle/);
  });
});

describe('iptables and inventory', () => {
  it('splits an iptables -S line with a quoted comment', () => {
    assert.deepEqual(splitRule('-D FORWARD -i pxl-mgmt -m comment --comment "pxl lab" -j ACCEPT'), [
      '-D',
      'FORWARD',
      '-i',
      'pxl-mgmt',
      '-m',
      'comment',
      '--comment',
      'pxl lab',
      '-j',
      'ACCEPT',
    ]);
  });
  it('writes an Ansible inventory with the connection and PXE variables', () => {
    const inv = labInventory(labNames('pxl')) as {
      all: {children: {pxe_servers: {hosts: {lab: Record<string, string>}; vars: Record<string, string>}}};
    };
    const group = inv.all.children.pxe_servers;
    assert.equal(group.hosts.lab.ansible_user, 'root');
    assert.match(group.hosts.lab.ansible_ssh_common_args!, /StrictHostKeyChecking=no/);
    assert.equal(group.vars.pxe_iface, 'pxe0');
    assert.equal(group.vars.pxe_subnet, '192.168.77.0/24');
  });
});

describe('boot timeline', () => {
  const bios = [
    [0.1, '\x1bc\x1b[?7l\x1b[2J\x1b[0mSeaBIOS (version 1.16.2-debian-1.16.2-1)'],
    [2.2, 'net0: 52:54:00:87:ef:35 using 82540em on 0000:00:02.0 (open)'],
    [18.3, 'Configuring (net0 52:54:00:87:ef:35).................. ok'],
    [18.3, 'tftp://192.168.77.1/pxelinux.0... ok'],
    [18.4, 'PXELINUX 6.04 PXE 20200816 Copyright (C) 1994-2015 H. Peter Anvin et al'],
    [24.2, '\x1bc\x1b[?7l\x1b[2JPXEPROV-TEST-ISO version=2'],
    [27.8, 'PXEPROV-DHCP iface=eth0 ip=192.168.77.101'],
    [28.0, `PXEPROV-KS sha256=${'ab'.repeat(32)} url=http://192.168.77.1/ks.cfg`],
  ] as const;
  it('finds each step once, the ISO version and the kickstart hash', () => {
    const t = timelineOf(bios.map(([at, line]) => ({at, line})));
    assert.deepEqual(
      t.steps.map((s) => s.step),
      ['firmware', 'dhcp', 'bootfile', 'menu', 'initrd', 'ip', 'kickstart'],
    );
    assert.equal(t.isoVersion, 2);
    assert.equal(t.ksSha256, 'ab'.repeat(32));
    assert.equal(finished(t), true);
  });
  it('reads OVMF and GRUB lines, and stops at a fatal one but not at a harmless GRUB error', () => {
    const t = timelineOf([
      {at: 7.7, line: '  Station IP address is 192.168.77.108'},
      {at: 8.5, line: '  NBP file downloaded successfully.'},
      {at: 16, line: '\x1b[02;24HGNU GRUB  version 2.06-13+deb12u2'},
      {at: 17, line: 'Loading /centos/vmlinuz'},
      {at: 19.2, line: 'error: no suitable video mode found.'},
    ]);
    assert.deepEqual(
      t.steps.map((s) => s.step),
      ['dhcp', 'bootfile', 'menu', 'kernel'],
    );
    assert.equal(finished(t), false);
    const denied = timelineOf([
      {at: 9, line: 'Verification failed: (0x1A) Security Violation'},
      {at: 9.1, line: 'Access Denied'},
    ]);
    assert.equal(denied.failure, 'Access Denied');
  });
  it('UEFI HTTP Boot: its download is the boot file step, an offer without a URL a failure', () => {
    const t = timelineOf([
      {at: 6.1, line: '>>Start HTTP Boot over IPv4....'},
      {at: 7.4, line: '  Station IP address is 192.168.77.100'},
      {at: 7.5, line: '  URI: http://192.168.77.1/tftp/snponly.efi'},
      {at: 8.2, line: '  Downloading...1%  Downloading...2%  Downloading...100%BdsDxe: loading Boot0002'},
    ]);
    assert.deepEqual(
      t.steps.map((s) => [s.step, s.at]),
      [
        ['firmware', 6.1],
        ['dhcp', 7.4],
        ['bootfile', 8.2],
      ],
    );
    assert.equal(t.failure, undefined);
    const noUrl = timelineOf([
      {at: 6.1, line: '>>Start HTTP Boot over IPv4.....'},
      {at: 12, line: '  Error: Could not retrieve NBP file size from HTTP server.'},
    ]);
    assert.equal(noUrl.failure, 'Error: Could not retrieve NBP file size from HTTP server.');
  });
  it('iPXE fetching its boot file over HTTP is the boot file step', () => {
    const t = timelineOf([{at: 3, line: 'http://192.168.77.1/tftp/pxelinux.0... ok'}]);
    assert.deepEqual(
      t.steps.map((s) => s.step),
      ['bootfile'],
    );
  });
  it("iPXE's own menu: its boot script, the per-host miss, the menu, then its fetches of kernel and initrd", () => {
    const t = timelineOf([
      {at: 3.4, line: 'Configuring (net0 52:54:00:81:a6:87)... ok'},
      {at: 3.5, line: 'http://192.168.77.1/tftp/ipxe/boot.ipxe... ok'},
      {at: 3.5, line: 'http://192.168.77.1/tftp/ipxe/01-52-54-00-81-a6-87.ipxe... No such file or direc'},
      {
        at: 4.8,
        line: '\x1b[2J\x1b[0;44m\x1b[2J\x1b[02;36H\x1b[0;44;1mPXE Server\x1b[04;02H  Install TestOS (kickstart)  \x1b[05;02H  Boot from the local disk',
      },
      {at: 4.9, line: '\x1b[0m\x1b[2Jhttp://192.168.77.1/tftp/testos/vmlinuz...'},
      {at: 5.0, line: 'http://192.168.77.1/tftp/testos/vmlinuz... ok'},
      {at: 5.0, line: 'http://192.168.77.1/tftp/testos/initrd.img... ok'},
    ]);
    assert.deepEqual(
      t.steps.map((s) => [s.step, s.at]),
      [
        ['dhcp', 3.4],
        ['bootfile', 3.5],
        ['menu', 4.8],
        ['kernel', 4.9],
        ['initrd', 5.0],
      ],
    );
    assert.equal(t.steps.find((s) => s.step === 'kernel')!.line, 'http://192.168.77.1/tftp/testos/vmlinuz... ok');
    assert.equal(t.failure, undefined, 'a host without a script of its own is no failure');
  });
  it('a step first seen in an unfinished console chunk keeps its first time and gets its whole line', () => {
    const t = timelineOf([
      {at: 27.8, line: 'PXEPROV-DHCP iface=eth0 ip=192.168.7'},
      {at: 27.9, line: 'PXEPROV-DHCP iface=eth0 ip=192.168.77.225'},
      {at: 28.5, line: 'PXEPROV-DHCP iface=eth1 ip=10.0.0.9'},
    ]);
    assert.deepEqual(t.steps, [{step: 'ip', at: 27.8, line: 'PXEPROV-DHCP iface=eth0 ip=192.168.77.225'}]);
  });
  it('cleans terminal escapes', () => {
    assert.equal(cleanLine('\x1b[0m\x1b[30m\x1b[47mWelcome to GRUB!\r'), 'Welcome to GRUB!');
    assert.equal(
      cleanLine('http://s/tftp/d/initrd.img... 76%\x08\x08\x08\x08    \x08\x08\x08\x08 ok'),
      'http://s/tftp/d/initrd.img... 76%     ok',
    );
  });
});

describe('test ISO', () => {
  it('has an init that prints the version, loads modules in order and fetches ks= or inst.ks=', () => {
    const init = initScript(3, ['failover', 'virtio_net']);
    assert.match(init, /PXEPROV-TEST-ISO version=3/);
    assert.match(init, /for m in failover virtio_net; do insmod/);
    assert.match(init, /inst\.ks=\*\)/);
    assert.match(init, /PXEPROV-KS sha256=/);
    assert.match(init, /poweroff -f/);
  });
  it('describes a CentOS-shaped tree', () => {
    assert.match(
      treeinfo(2),
      /\[images-x86_64\]\nkernel = images\/pxeboot\/vmlinuz\ninitrd = images\/pxeboot\/initrd.img/,
    );
    assert.match(treeinfo(2), /\[general\][^[]*version = 2/);
  });
});

describe('lab processes', () => {
  it('reads state and start time from /proc/PID/stat, whatever the name holds', () => {
    const tail = 'S 1 24567 24567 0 -1 4194560 1234 0 0 0 5 3 0 0 20 0 1 0 987654 21000000 800';
    assert.deepEqual(parseProcStat(`24567 (systemd-nspawn) ${tail}`), {state: 'S', start: '987654'});
    assert.deepEqual(parseProcStat(`99 (a) b) (c) ${tail.replace(/^S/, 'Z')}`), {state: 'Z', start: '987654'});
  });
});
