/** The PXE roles' templates rendered with the roles' defaults and an inventory's variables. */
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {loadPlaybook} from '../../src/config/playbook.js';
import {renderTemplateFile} from '../../src/config/template.js';
import {hostMenus, type Reservation} from '../../src/lifecycle/menus.js';
import type {BuildState} from '../../src/lifecycle/state.js';

const play = loadPlaybook('playbooks/pxe-server.yaml').plays[0]!;
const roleDir = (name: string) => play.roles.find((r) => r.name === name)!.dir;
const inventory = {
  inventory_hostname: 'pxe01',
  pxe_iface: 'eth1',
  pxe_ip: '192.168.1.20',
  pxe_subnet: '192.168.1.0/24',
  media_isos: [{name: 'centos7', iso: 'c7.iso'}],
  pxe_profiles: [
    {name: 'ks', label: 'CentOS 7 kickstart', media: 'centos7', kind: 'kickstart'},
    {name: 'noble', label: 'Ubuntu autoinstall', media: 'noble', kind: 'autoinstall'},
    {name: 'bookworm', label: 'Debian preseed', media: 'bookworm', kind: 'preseed', text: true},
  ],
  dhcp_hosts: [{name: 'node01', mac: '90:E6:BA:1F:C5:EF', ip: '192.168.1.101', profile: 'ks'}],
  ks_root_password: 'rootroot',
  memtest_file: {stat: {exists: true}},
  // The classic paths, all over TFTP; the HTTP transport has its own tests (pxe-boot-transport.test.ts).
  pxe_boot_transport: 'tftp',
};
const vars = (extra: Record<string, unknown> = {}) => ({
  ...Object.assign({}, ...play.roles.map((r) => r.defaults)),
  ...inventory,
  ...extra,
});
/** A host's own menu as the syslinux role renders it (build_state's result), by default not in build mode. */
const menuOf = (host: Reservation, state?: BuildState) =>
  hostMenus([host], new Map([[host.name, state]]), 'http://192.168.1.20/pxeprov/done')[0]!;
const building: BuildState = {mode: 'build', since: '2026-01-02T03:04:05Z', token: 'ab'.repeat(16)};
const render = (role: string, template: string, extra: Record<string, unknown> = {}): Promise<string> =>
  renderTemplateFile(`${roleDir(role)}/templates/${template}`, vars(extra));

describe('PXE role templates', () => {
  it('pxelinux menu: every profile, local boot, memtest, IPAPPEND 2', async () => {
    const menu = await render('syslinux', 'pxelinux.cfg.j2', {host: null});
    assert.match(menu, /^DEFAULT menu\.c32$/m);
    assert.match(menu, /^ONTIMEOUT local$/m);
    assert.match(
      menu,
      /LABEL ks\n {2}MENU LABEL CentOS 7 kickstart\n {2}KERNEL \/centos7\/vmlinuz\n {2}APPEND initrd=\/centos7\/initrd\.img inst\.ks=http:\/\/192\.168\.1\.20\/ks\/ks\.cfg inst\.repo=http:\/\/192\.168\.1\.20\/centos7 ip=dhcp\n {2}IPAPPEND 2/,
    );
    assert.match(menu, /ds=nocloud-net;s=http:\/\/192\.168\.1\.20\/autoinstall\/noble\//, 'not quoted for pxelinux');
    assert.doesNotMatch(menu, /"ds=/);
    assert.match(menu, /url=http:\/\/192\.168\.1\.20\/preseed\/bookworm\.cfg interface=auto .* inst\.text/);
    assert.match(menu, /LABEL local\n {2}MENU LABEL Boot from the local disk\n {2}LOCALBOOT 0/);
    assert.match(menu, /LABEL memtest/);
  });
  // d-i asks these before it fetches the preseed: no router and no name server from DHCP (the default
  // LAN), and the host name of a reservation; casper needs its root (the ISO tree over NFS) first.
  const preseedArgs = (menu: string) => /url=http:\/\/192\.168\.1\.20\/preseed\/\S+ (.*)/.exec(menu)![1]!.split(' ');
  const earlyAnswers: [string, Record<string, unknown>, Record<string, unknown> | null, string[]][] = [
    [
      'no router, no DNS (the defaults)',
      {},
      null,
      ['interface=auto', 'netcfg/no_default_route=true', 'netcfg/get_nameservers=none', 'locale=en_US', 'keymap=us'],
    ],
    [
      'DHCP hands out DNS: its first server',
      {pxe_dns: ['192.168.1.1', '192.168.1.2']},
      null,
      ['netcfg/get_nameservers=192.168.1.1'],
    ],
    [
      'a named answer wins',
      {preseed_nameservers: ['10.0.0.53'], ks_lang: 'de_DE.UTF-8', ks_keyboard: 'de'},
      null,
      ['netcfg/get_nameservers=10.0.0.53', 'locale=de_DE', 'keymap=de'],
    ],
    [
      'a reservation: its host name',
      {},
      {name: 'deb01', mac: '52:54:00:00:00:01', profile: 'bookworm'},
      ['hostname=deb01'],
    ],
  ];
  for (const [what, extra, host, expected] of earlyAnswers) {
    it(`preseed menu entries answer d-i's questions before the preseed: ${what}`, async () => {
      for (const template of ['pxelinux.cfg.j2', 'grub.cfg.j2', 'boot.ipxe.j2']) {
        const menu = await render('syslinux', template, {
          host: host && menuOf(host as unknown as Reservation),
          pxe_boot_transport: template === 'boot.ipxe.j2' ? 'http' : 'tftp',
          ...extra,
        });
        const args = preseedArgs(menu);
        for (const arg of expected) assert.ok(args.includes(arg), `${template}: ${arg} in ${args.join(' ')}`);
        assert.equal(
          args.some((a) => a.startsWith('hostname=')),
          host !== null,
          'a host name only for a reservation',
        );
        // The server writes per-host kickstarts only: a preseed host reads its profile's file.
        assert.match(menu, /url=http:\/\/192\.168\.1\.20\/preseed\/bookworm\.cfg /);
      }
    });
  }
  it('autoinstall entries give casper its root (the ISO tree over NFS) and the network before the autoinstall data', async () => {
    const menu = await render('syslinux', 'pxelinux.cfg.j2', {host: null});
    assert.match(
      menu,
      /KERNEL \/noble\/vmlinuz\n {2}APPEND initrd=\/noble\/initrd\.img autoinstall ip=dhcp netboot=nfs nfsroot=192\.168\.1\.20:\/srv\/install\/noble ds=nocloud-net;s=/,
    );
  });
  it('a per-host pxelinux file boots the local disk; in build mode its profile, with its own kickstart and the callback', async () => {
    const local = await render('syslinux', 'pxelinux.cfg.j2', {host: menuOf(inventory.dhcp_hosts[0]!)});
    assert.match(local, /^ONTIMEOUT local$/m);
    assert.match(local, /inst\.ks=http:\/\/192\.168\.1\.20\/ks\/hosts\/node01\.cfg inst\.repo=\S+ ip=dhcp\n/);
    assert.doesNotMatch(local, /LABEL noble/);
    const build = await render('syslinux', 'pxelinux.cfg.j2', {host: menuOf(inventory.dhcp_hosts[0]!, building)});
    assert.match(build, /^ONTIMEOUT ks$/m);
    assert.match(build, / ip=dhcp pxeprov\.done=http:\/\/192\.168\.1\.20\/pxeprov\/done\/node01\/(ab){16}\n/);
  });
  it('GRUB menu: the same entries, linux/initrd (no linuxefi) between two echoes, ds=nocloud quoted', async () => {
    const grub = await render('syslinux', 'grub.cfg.j2', {host: null});
    assert.match(
      grub,
      /menuentry 'CentOS 7 kickstart' --id ks \{\n {2}echo 'Loading centos7 \.\.\.'\n {2}linux \/centos7\/vmlinuz inst\.ks=http:\/\/192\.168\.1\.20\/ks\/ks\.cfg inst\.repo=http:\/\/192\.168\.1\.20\/centos7 ip=dhcp BOOTIF=01-\$\{net_default_mac\}\n {2}initrd \/centos7\/initrd\.img\n {2}echo 'Starting centos7 \.\.\.'\n\}/,
    );
    assert.match(grub, /"ds=nocloud-net;s=http:\/\/192\.168\.1\.20\/autoinstall\/noble\/"/);
    assert.doesNotMatch(grub, /linuxefi|initrdefi/);
    assert.match(grub, /^set timeout=10$/m);
  });
  it('GRUB passes the booting NIC as BOOTIF to kickstart entries, as pxelinux does with IPAPPEND 2', async () => {
    const entries = (grub: string) =>
      Object.fromEntries([...grub.matchAll(/--id (\S+) \{[^}]*?\n {2}linux (.*)/g)].map((m) => [m[1], m[2]]));
    const menu = entries(await render('syslinux', 'grub.cfg.j2', {host: null}));
    assert.deepEqual(
      Object.keys(menu).filter((id) => menu[id]!.endsWith(' BOOTIF=01-${net_default_mac}')),
      ['ks'],
      'kickstart only: d-i and subiquity pick their NIC otherwise',
    );
    const perHost = entries(await render('syslinux', 'grub.cfg.j2', {host: menuOf(inventory.dhcp_hosts[0]!)}));
    assert.match(perHost.ks!, /ks\/hosts\/node01\.cfg .* BOOTIF=01-\$\{net_default_mac\}$/);
  });
  const ipxe = (extra: Record<string, unknown>) =>
    render('syslinux', 'boot.ipxe.j2', {pxe_boot_transport: 'http', ...extra});
  it("iPXE menu: every profile, local boot (exit to the firmware), memtest on BIOS only, the NIC's own script first", async () => {
    assert.equal(
      await ipxe({host: null, pxe_profiles: inventory.pxe_profiles.slice(0, 2), pxe_menu_timeout: 35}),
      `#!ipxe
# Managed by pxeprov (role syslinux): local edits are reported by \`pxeprov check\` and undone by \`pxeprov up\`.
set base http://192.168.1.20/tftp
chain --autofree \${base}/ipxe/01-\${netX/mac:hexhyp}.ipxe && exit ||
menu PXE Server
item ks CentOS 7 kickstart
item noble Ubuntu autoinstall
item local Boot from the local disk
iseq \${platform} pcbios && item memtest Memory test (memtest86+) ||
choose --default local --timeout 3500 target || goto local
goto \${target}

:ks
kernel \${base}/centos7/vmlinuz initrd=initrd.img inst.ks=http://192.168.1.20/ks/ks.cfg inst.repo=http://192.168.1.20/centos7 ip=dhcp BOOTIF=01-\${netX/mac:hexhyp}
initrd \${base}/centos7/initrd.img
boot

:noble
kernel \${base}/noble/vmlinuz initrd=initrd.img autoinstall ip=dhcp netboot=nfs nfsroot=192.168.1.20:/srv/install/noble ds=nocloud-net;s=http://192.168.1.20/autoinstall/noble/ BOOTIF=01-\${netX/mac:hexhyp}
initrd \${base}/noble/initrd.img
boot

:local
exit

:memtest
kernel \${base}/memtest
boot
`,
    );
  });
  it('a per-host iPXE script never chains again; local by default, its profile and the callback in build mode', async () => {
    const local = await ipxe({host: menuOf(inventory.dhcp_hosts[0]!), memtest_file: {stat: {exists: false}}});
    assert.doesNotMatch(local, /chain|memtest|:noble/);
    assert.match(local, /^item ks CentOS 7 kickstart\nitem local Boot from the local disk\nchoose --default local /m);
    assert.match(local, / inst\.ks=http:\/\/192\.168\.1\.20\/ks\/hosts\/node01\.cfg inst\.repo=\S+ ip=dhcp BOOTIF=/);
    const build = await ipxe({host: menuOf(inventory.dhcp_hosts[0]!, building)});
    assert.match(build, /^choose --default ks --timeout 10000 target \|\| goto local$/m);
    assert.match(build, / ip=dhcp pxeprov\.done=http:\/\/192\.168\.1\.20\/pxeprov\/done\/node01\/(ab){16} BOOTIF=/);
  });
  it('iPXE waits for a choice when pxe_menu_timeout is 0, as pxelinux does', async () => {
    assert.match(await ipxe({host: null, pxe_menu_timeout: 0}), /^choose --default local --timeout 0 target /m);
  });
  it('kickstart: the classic CentOS 7 settings, the password hashed, never in clear', async () => {
    const ks = await render('kickstart', 'ks.cfg.j2', {host: null, profile: 'ks'});
    assert.match(ks, /^auth --enableshadow --passalgo=sha512$/m);
    assert.match(ks, /^network --bootproto=dhcp --device=bootif --onboot=yes --ipv6=auto$/m);
    assert.match(ks, /^url --url=http:\/\/192\.168\.1\.20\/centos7$/m);
    assert.match(ks, /^rootpw --iscrypted \$6\$[^$]+\$[A-Za-z0-9./]{86}$/m);
    assert.doesNotMatch(ks, /rootroot/);
    assert.match(ks, /^timezone Asia\/Shanghai --isUtc$/m);
    assert.match(ks, /^%packages\n@\^minimal\n@core\n%end$/m);
    assert.equal(
      ks,
      await render('kickstart', 'ks.cfg.j2', {host: null, profile: 'ks'}),
      'the hash is stable: re-renders are idempotent',
    );
  });
  it('kickstart per host names the host; NFS as the install source', async () => {
    const ks = await render('kickstart', 'ks.cfg.j2', {host: inventory.dhcp_hosts[0], pxe_install_source: 'nfs'});
    assert.match(ks, /--hostname=node01/);
    assert.match(ks, /^nfs --server=192\.168\.1\.20 --dir=\/srv\/install\/centos7$/m);
  });
  it('dhcpd.conf: the subnet, range, next-server, loaders by option 93, reservations', async () => {
    const conf = await render('dhcp', 'dhcpd.conf.j2');
    assert.match(conf, /^subnet 192\.168\.1\.0 netmask 255\.255\.255\.0 \{$/m);
    assert.match(conf, /^ {2}range 192\.168\.1\.100 192\.168\.1\.200;$/m);
    assert.match(conf, /^ {2}next-server 192\.168\.1\.20;$/m);
    assert.match(
      conf,
      /if option architecture-type = 00:07 or option architecture-type = 00:09 \{\n {4}filename "bootx64\.efi";\n {2}\} else \{\n {4}filename "pxelinux\.0";/,
    );
    assert.match(conf, /host node01 \{\n {2}hardware ethernet 90:e6:ba:1f:c5:ef;\n {2}fixed-address 192\.168\.1\.101;/);
    assert.doesNotMatch(conf, /option routers|domain-name-servers/, 'no router and no DNS unless set');
    assert.match(conf, /option ipxe\.no-pxedhcp 1;/);
  });
  it('proxyDHCP: dnsmasq answers only the PXE part', async () => {
    const conf = await render('dhcp', 'dnsmasq-proxy.conf.j2');
    assert.match(conf, /^port=0$/m);
    assert.match(conf, /^dhcp-range=192\.168\.1\.0,proxy,255\.255\.255\.0$/m);
    assert.match(conf, /^pxe-service=tag:!efi64,x86PC,"Network install",pxelinux,192\.168\.1\.20$/m);
  });
  it('tftpd-hpa binds the PXE address with --secure', async () => {
    assert.match(
      await render('tftp', 'tftpd-hpa.j2'),
      /TFTP_ADDRESS="192\.168\.1\.20:69"\nTFTP_OPTIONS="--secure --verbose"/,
    );
  });

  it('nginx listens on the PXE address and serves the PXE subnet only; opening it is explicit', async () => {
    const server = (conf: string) => /server \{\n([\s\S]*?)\n+ {4}location/.exec(conf)![1]!;
    assert.match(
      server(await render('http', 'nginx.conf.j2')),
      /^ {4}listen 192\.168\.1\.20:80 default_server;\n[\s\S]*\n {4}allow 192\.168\.1\.0\/24;\n {4}deny all;$/,
    );
    const open = server(
      await render('http', 'nginx.conf.j2', {http_listen: '8080', http_allow: ['192.168.1.0/24', '10.0.0.0/8']}),
    );
    assert.match(
      open,
      /^ {4}listen 8080 default_server;\n[\s\S]*\n {4}allow 192\.168\.1\.0\/24;\n {4}allow 10\.0\.0\.0\/8;\n {4}deny all;$/,
    );
    assert.match(
      server(await render('http', 'nginx.conf.j2', {http_allow: 'all'})),
      /\n {4}allow all;\n {4}deny all;$/,
      'a single network as a string',
    );
  });
});
