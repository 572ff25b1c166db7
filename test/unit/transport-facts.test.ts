import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {managerOf, parseDefaultRoute, parseFacts, parseIpAddr, parseOsRelease} from '../../src/transport/facts.js';

function raw(sections: Record<string, string>): Buffer {
  return Buffer.concat(
    Object.entries(sections).map(([name, text]) =>
      Buffer.concat([Buffer.from(`${name} ${Buffer.byteLength(text)}\n`), Buffer.from(text)]),
    ),
  );
}

const IP_ADDR = `1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
    inet 127.0.0.1/8 scope host lo
       valid_lft forever preferred_lft forever
    inet6 ::1/128 scope host
2: enp1s0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc fq_codel state UP group default qlen 1000
    link/ether 52:54:00:12:34:56 brd ff:ff:ff:ff:ff:ff
    inet 192.168.50.10/24 brd 192.168.50.255 scope global enp1s0
    inet 10.0.0.5 peer 10.0.0.6/32 scope global enp1s0
    inet6 fe80::5054:ff:fe12:3456/64 scope link
3: veth0@if7: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN
    link/ether aa:bb:cc:dd:ee:ff brd ff:ff:ff:ff:ff:ff
`;

const ROUTE = `Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
enp1s0\t0032A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
enp1s0\t00000000\t0132A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0
`;

describe('facts parser', () => {
  it('parses os-release with quotes', () => {
    assert.deepEqual(
      parseOsRelease(
        'ID=ubuntu\nID_LIKE="debian foo"\nVERSION_ID="24.04"\nVERSION_CODENAME=noble\nPRETTY_NAME="Ubuntu 24.04 LTS"\n',
      ),
      {
        id: 'ubuntu',
        versionId: '24.04',
        codename: 'noble',
        prettyName: 'Ubuntu 24.04 LTS',
        idLike: ['debian', 'foo'],
      },
    );
  });

  it('parses ip addr (peer addresses, @ifN names)', () => {
    assert.deepEqual(Object.fromEntries(parseIpAddr(IP_ADDR)), {
      lo: {ipv4: ['127.0.0.1/8'], ipv6: ['::1/128']},
      enp1s0: {ipv4: ['192.168.50.10/24', '10.0.0.5/32'], ipv6: ['fe80::5054:ff:fe12:3456/64']},
      veth0: {ipv4: [], ipv6: []},
    });
  });

  it('finds the default route in /proc/net/route', () => {
    assert.deepEqual(parseDefaultRoute(ROUTE), {iface: 'enp1s0', gateway: '192.168.50.1'});
    assert.equal(parseDefaultRoute(ROUTE.split('\n').slice(0, 2).join('\n')), undefined);
  });

  const managers: Array<[string, string[], string[], string[], string]> = [
    ['eth0', ['network:\n  ethernets:\n    eth0:\n      dhcp4: true\n'], [], [], 'netplan'],
    ['eth1', ['network:\n  bridges:\n    br0:\n      interfaces: [eth0, eth1]\n'], [], [], 'netplan'],
    ['eth0', [], ['auto lo\niface lo inet loopback\nallow-hotplug eth0\niface eth0 inet dhcp\n'], [], 'ifupdown'],
    ['eth10', [], ['iface eth1 inet dhcp\n'], [], 'none'],
    ['wlan0', [], [], ['wlan0'], 'NetworkManager'],
    ['eth0', ['network:\n  ethernets:\n    eth0:\n'], ['iface eth0 inet dhcp\n'], ['eth0'], 'netplan'],
  ];
  for (const [name, netplan, ifupdown, nm, want] of managers) {
    it(`says ${want} manages ${name}`, () => assert.equal(managerOf(name, netplan, ifupdown, new Set(nm)), want));
  }

  it('assembles Facts from the raw sections', () => {
    const facts = parseFacts(
      raw({
        os: '==> /etc/os-release\nID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n\n',
        uname: 'pxe1 6.1.0-18-amd64 x86_64',
        id: 'uid=0(root) gid=0(root) groups=0(root)',
        init: 'systemd',
        links:
          'enp1s0 52:54:00:12:34:56 up 0x1003\nlo 00:00:00:00:00:00 unknown 0x9\nveth0 aa:bb:cc:dd:ee:ff down 0x1002',
        addr: IP_ADDR,
        route: ROUTE,
        ssh: '192.168.50.1 50000 192.168.50.10 22',
        shell: 'dash',
        netplan: '==> /etc/netplan/01.yaml\nnetwork:\n  ethernets:\n    enp1s0:\n      dhcp4: true\n\n',
        ifupdown: '',
        nm: 'enp1s0:unmanaged\nveth0:disconnected',
        dpkg: 'openssh-server\tinstall ok installed\t1:9.2p1-2\nisc-dhcp-server\tdeinstall ok config-files\t4.4.3\n',
      }),
      ['openssh-server', 'isc-dhcp-server', 'tftpd-hpa'],
    );
    assert.deepEqual(facts, {
      os: {
        id: 'debian',
        versionId: '12',
        codename: 'bookworm',
        prettyName: 'Debian GNU/Linux 12 (bookworm)',
        idLike: [],
      },
      kernel: '6.1.0-18-amd64',
      arch: 'x86_64',
      hostname: 'pxe1',
      init: 'systemd',
      interfaces: [
        {
          name: 'enp1s0',
          mac: '52:54:00:12:34:56',
          ipv4: ['192.168.50.10/24', '10.0.0.5/32'],
          ipv6: ['fe80::5054:ff:fe12:3456/64'],
          up: true,
          manager: 'netplan',
        },
        {name: 'lo', ipv4: ['127.0.0.1/8'], ipv6: ['::1/128'], up: true, manager: 'none'},
        {name: 'veth0', mac: 'aa:bb:cc:dd:ee:ff', ipv4: [], ipv6: [], up: false, manager: 'NetworkManager'},
      ],
      defaultRoute: {iface: 'enp1s0', gateway: '192.168.50.1'},
      sshIface: 'enp1s0',
      sshAddress: '192.168.50.10',
      packages: {
        'openssh-server': {name: 'openssh-server', status: 'install ok installed', version: '1:9.2p1-2'},
        'isc-dhcp-server': {name: 'isc-dhcp-server', status: 'deinstall ok config-files', version: '4.4.3'},
        'tftpd-hpa': {name: 'tftpd-hpa'},
      },
      user: 'root',
      uid: 0,
      shell: 'dash',
    });
  });

  it('survives a target with almost nothing (no ip, no dpkg, no ssh)', () => {
    const facts = parseFacts(
      raw({
        uname: 'h 5.10 aarch64',
        id: 'uid=1000(pi) gid=1000(pi)',
        links: 'eth0 - up 0x1003',
        ssh: '',
        shell: 'busybox',
      }),
    );
    assert.equal(facts.init, 'other');
    assert.deepEqual(facts.interfaces, [{name: 'eth0', ipv4: [], ipv6: [], up: true, manager: 'none'}]);
    assert.equal(facts.sshIface, undefined);
    assert.equal(facts.user, 'pi');
  });
});
