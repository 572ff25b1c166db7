/**
 * pxe_boot_transport in the PXE roles' templates: http (the default) sends BIOS PXE ROMs to iPXE and iPXE to
 * its own menu over HTTP (or to pxelinux), GRUB loads over HTTP, UEFI HTTP Boot clients get a URL; with
 * pxe_uefi_loader ipxe UEFI clients run iPXE and its menu too; tftp keeps every file on TFTP. The same profiles
 * drive every menu either way.
 */
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {loadPlaybook} from '../../src/config/playbook.js';
import {renderTemplateFile} from '../../src/config/template.js';
import {hostMenus, type Reservation} from '../../src/lifecycle/menus.js';

const play = loadPlaybook('playbooks/pxe-server.yaml').plays[0]!;
const roleDir = (name: string) => play.roles.find((r) => r.name === name)!.dir;
const defaults = Object.assign({}, ...play.roles.map((r) => r.defaults)) as Record<string, unknown>;
const inventory = {
  inventory_hostname: 'pxe01',
  pxe_iface: 'eth1',
  pxe_ip: '192.168.1.20',
  pxe_subnet: '192.168.1.0/24',
  media_isos: [{name: 'debian12', netboot_package: 'debian-installer-12-netboot-amd64'}],
  pxe_profiles: [{name: 'bookworm', label: 'Debian preseed', media: 'debian12', kind: 'preseed'}],
  dhcp_hosts: [{name: 'node01', mac: '90:E6:BA:1F:C5:EF', ip: '192.168.1.101', profile: 'bookworm'}],
  memtest_file: {stat: {exists: false}},
  host: null,
};
const render = (role: string, template: string, extra: Record<string, unknown> = {}) =>
  renderTemplateFile(`${roleDir(role)}/templates/${template}`, {...defaults, ...inventory, ...extra});

/** The kernel and initrd a menu loads, per entry. */
function pxelinuxFiles(menu: string): string[][] {
  return [...menu.matchAll(/^ {2}KERNEL (\S+)\n {2}APPEND initrd=(\S+)/gm)].map((m) => [m[1]!, m[2]!]);
}
function grubFiles(menu: string): string[][] {
  return [...menu.matchAll(/^ {2}linux (\S+).*\n {2}initrd (\S+)/gm)].map((m) => [m[1]!, m[2]!]);
}
/** iPXE's, with its base URL expanded as iPXE does. */
function ipxeFiles(menu: string): string[][] {
  const base = /^set base (\S+)$/m.exec(menu)![1]!;
  return [...menu.matchAll(/^kernel (\S+) initrd=initrd\.img .*\ninitrd (\S+)$/gm)].map((m) =>
    [m[1]!, m[2]!].map((url) => url.replace('${base}', base)),
  );
}

/** The filename dhcpd hands out on each branch of the subnet's if/elsif chain. */
function dhcpdBranches(conf: string): Array<{when: string; filename?: string; vendorClass?: string}> {
  const chain = /^ {2}if ([\s\S]*?)\n {2}\}\n/m.exec(conf)![0];
  return [...chain.matchAll(/(?:if|elsif) (.*?) \{\n([\s\S]*?)(?=\n {2}\})|\} else \{\n([\s\S]*?)(?=\n {2}\})/g)].map(
    (m) => {
      const body = m[2] ?? m[3]!;
      return {
        when: m[1] ?? 'else',
        filename: /filename "([^"]+)"/.exec(body)?.[1],
        vendorClass: /vendor-class-identifier "([^"]+)"/.exec(body)?.[1],
      };
    },
  );
}

describe('pxe_boot_transport', () => {
  it('defaults to http', () => {
    assert.equal(defaults.pxe_boot_transport, 'http');
  });

  const menus: Array<[string, Record<string, unknown>, string[], string[]]> = [
    [
      'http',
      {},
      ['http://192.168.1.20/tftp/debian12/vmlinuz', 'http://192.168.1.20/tftp/debian12/initrd.img'],
      ['${media_root}/debian12/vmlinuz', '${media_root}/debian12/initrd.img'],
    ],
    [
      'http on another port',
      {pxe_http_port: 8080},
      ['http://192.168.1.20:8080/tftp/debian12/vmlinuz', 'http://192.168.1.20:8080/tftp/debian12/initrd.img'],
      ['${media_root}/debian12/vmlinuz', '${media_root}/debian12/initrd.img'],
    ],
    [
      'tftp',
      {pxe_boot_transport: 'tftp'},
      ['/debian12/vmlinuz', '/debian12/initrd.img'],
      ['/debian12/vmlinuz', '/debian12/initrd.img'],
    ],
  ];
  for (const [what, extra, pxelinux, grub] of menus) {
    it(`${what}: pxelinux and GRUB load the same entry's kernel and initrd from it`, async () => {
      for (const host of [
        null,
        hostMenus(inventory.dhcp_hosts as Reservation[], new Map(), 'http://192.168.1.20/pxeprov/done')[0],
      ]) {
        assert.deepEqual(pxelinuxFiles(await render('syslinux', 'pxelinux.cfg.j2', {...extra, host})), [pxelinux]);
        assert.deepEqual(grubFiles(await render('syslinux', 'grub.cfg.j2', {...extra, host})), [grub]);
        if (what !== 'tftp')
          assert.deepEqual(ipxeFiles(await render('syslinux', 'boot.ipxe.j2', {...extra, host})), [pxelinux]);
      }
    });
  }

  const mediaRoot: Array<[string, Record<string, unknown>, string | undefined]> = [
    [
      'http',
      {},
      'if [ "$lockdown" != y ]; then\n  if insmod http; then\n    set media_root=(http,192.168.1.20)/tftp\n  fi\nfi\n',
    ],
    [
      'http on another port',
      {pxe_http_port: 8080},
      'if [ "$lockdown" != y ]; then\n  if insmod http; then\n    set media_root=(http,192.168.1.20:8080)/tftp\n  fi\nfi\n',
    ],
    ['tftp', {pxe_boot_transport: 'tftp'}, undefined],
  ];
  for (const [what, extra, snippet] of mediaRoot) {
    it(`${what}: GRUB loads over HTTP once it has loaded its http module, over TFTP when Secure Boot locks it down`, async () => {
      const grub = await render('syslinux', 'grub.cfg.j2', extra);
      if (snippet) assert.ok(grub.includes(snippet), grub);
      else assert.doesNotMatch(grub, /insmod|media_root/);
    });
  }

  it('the kernel command line does not depend on the transport, nor on the loader', async () => {
    const args = async (transport: string) => {
      const menu = await render('syslinux', 'pxelinux.cfg.j2', {pxe_boot_transport: transport});
      return /APPEND initrd=\S+ (.*)/.exec(menu)![1];
    };
    assert.equal(await args('http'), await args('tftp'));
    // iPXE's line is pxelinux's, with BOOTIF written out where pxelinux appends it (IPAPPEND 2).
    const ipxe = /^kernel \S+ initrd=initrd\.img (.*)$/m.exec(await render('syslinux', 'boot.ipxe.j2'))![1];
    assert.equal(ipxe, `${await args('http')} BOOTIF=01-\${netX/mac:hexhyp}`);
  });

  it('dhcpd, http: UEFI PXE gets shim over TFTP, UEFI HTTP Boot no file (GRUB cannot start that way), iPXE its menu over HTTP, other BIOS ROMs iPXE', async () => {
    assert.deepEqual(dhcpdBranches(await render('dhcp', 'dhcpd.conf.j2')), [
      {
        when: 'option architecture-type = 00:07 or option architecture-type = 00:09',
        filename: 'bootx64.efi',
        vendorClass: undefined,
      },
      {when: 'option architecture-type = 00:10', filename: undefined, vendorClass: undefined},
      {
        when: 'exists user-class and option user-class = "iPXE"',
        filename: 'http://192.168.1.20/tftp/ipxe/boot.ipxe',
        vendorClass: undefined,
      },
      {when: 'else', filename: 'undionly.kpxe', vendorClass: undefined},
    ]);
  });

  it('dhcpd, http: an iPXE client is never handed iPXE again (no chain loop), a UEFI iPXE never a BIOS loader', async () => {
    const branches = dhcpdBranches(await render('dhcp', 'dhcpd.conf.j2'));
    const ipxe = branches.findIndex((b) => b.when.includes('"iPXE"'));
    const uefi = branches.findIndex((b) => b.when.includes('00:07'));
    assert.ok(uefi < ipxe, 'the architecture is tested before the user class');
    assert.ok(!branches.slice(0, ipxe + 1).some((b) => b.filename?.endsWith('.kpxe')));
  });

  it('dhcpd, tftp: pxelinux.0 and shim over TFTP, nothing for iPXE or HTTP Boot', async () => {
    assert.deepEqual(
      dhcpdBranches(await render('dhcp', 'dhcpd.conf.j2', {pxe_boot_transport: 'tftp'})).map((b) => [
        b.when,
        b.filename,
      ]),
      [
        ['option architecture-type = 00:07 or option architecture-type = 00:09', 'bootx64.efi'],
        ['else', 'pxelinux.0'],
      ],
    );
  });

  it('dhcpd, no UEFI loader (pxe_uefi false): UEFI clients get no boot file, HTTP Boot clients no URL', async () => {
    assert.deepEqual(
      dhcpdBranches(await render('dhcp', 'dhcpd.conf.j2', {pxe_uefi: false})).map((b) => [b.when, b.filename]),
      [
        ['option architecture-type = 00:07 or option architecture-type = 00:09', undefined],
        ['exists user-class and option user-class = "iPXE"', 'http://192.168.1.20/tftp/ipxe/boot.ipxe'],
        ['else', 'undionly.kpxe'],
      ],
    );
    assert.doesNotMatch(await render('dhcp', 'dnsmasq-proxy.conf.j2', {pxe_uefi: false}), /efi64,X86-64_EFI/);
  });

  it('proxyDHCP, http: PXE ROMs get iPXE in the PXE menu, iPXE gets its menu over HTTP (never iPXE again)', async () => {
    const conf = await render('dhcp', 'dnsmasq-proxy.conf.j2', {dhcp_mode: 'proxy'});
    assert.match(conf, /^dhcp-userclass=set:ipxe,iPXE$/m);
    assert.deepEqual(conf.match(/^pxe-service=.*$/gm), [
      'pxe-service=tag:!efi64,tag:ipxe,x86PC,"Network install",http://192.168.1.20/tftp/ipxe/boot.ipxe,192.168.1.20',
      'pxe-service=tag:!efi64,tag:!ipxe,x86PC,"Network install",undionly.kpxe,192.168.1.20',
      'pxe-service=tag:efi64,X86-64_EFI,"Network install",bootx64.efi,192.168.1.20',
    ]);
  });

  it('pxelinux under iPXE stays reachable: dhcp_ipxe_bootfile names pxelinux.0', async () => {
    const bootfile = 'http://192.168.1.20/tftp/pxelinux.0';
    const ipxe = (conf: string) => dhcpdBranches(conf).find((b) => b.when.includes('"iPXE"'))?.filename;
    assert.equal(ipxe(await render('dhcp', 'dhcpd.conf.j2', {dhcp_ipxe_bootfile: bootfile})), bootfile);
    assert.match(
      await render('dhcp', 'dnsmasq-proxy.conf.j2', {dhcp_ipxe_bootfile: bootfile}),
      /^pxe-service=tag:!efi64,tag:ipxe,x86PC,"Network install",http:\/\/192\.168\.1\.20\/tftp\/pxelinux\.0,/m,
    );
  });

  it('pxe_uefi_loader ipxe: UEFI PXE gets snponly.efi, UEFI iPXE the iPXE menu, never undionly.kpxe', async () => {
    const conf = await render('dhcp', 'dhcpd.conf.j2', {pxe_uefi_loader: 'ipxe'});
    const uefi =
      /^ {2}if option architecture-type = 00:07 or option architecture-type = 00:09 \{\n([\s\S]*?)\n {2}\}/m.exec(
        conf,
      )![1]!;
    assert.equal(
      uefi.replace(/^ {4}#.*\n/m, ''),
      [
        '    if exists user-class and option user-class = "iPXE" {',
        '      filename "http://192.168.1.20/tftp/ipxe/boot.ipxe";',
        '    } else {',
        '      filename "snponly.efi";',
        '    }',
      ].join('\n'),
    );
    assert.deepEqual(
      dhcpdBranches(conf)
        .slice(1)
        .map((b) => [b.when, b.filename]),
      [
        ['option architecture-type = 00:10', 'http://192.168.1.20/tftp/snponly.efi'],
        ['exists user-class and option user-class = "iPXE"', 'http://192.168.1.20/tftp/ipxe/boot.ipxe'],
        ['else', 'undionly.kpxe'],
      ],
    );
  });

  it('pxe_uefi_loader ipxe, proxyDHCP: the efi64 and ipxe tags pick snponly.efi or the iPXE menu', async () => {
    const conf = await render('dhcp', 'dnsmasq-proxy.conf.j2', {dhcp_mode: 'proxy', pxe_uefi_loader: 'ipxe'});
    assert.deepEqual(conf.match(/^pxe-service=tag:efi64.*$/gm), [
      'pxe-service=tag:efi64,tag:ipxe,X86-64_EFI,"Network install",http://192.168.1.20/tftp/ipxe/boot.ipxe,192.168.1.20',
      'pxe-service=tag:efi64,tag:!ipxe,X86-64_EFI,"Network install",snponly.efi,192.168.1.20',
    ]);
  });

  it('proxyDHCP, tftp: the classic PXE menu with pxelinux', async () => {
    const conf = await render('dhcp', 'dnsmasq-proxy.conf.j2', {dhcp_mode: 'proxy', pxe_boot_transport: 'tftp'});
    assert.doesNotMatch(conf, /ipxe/);
    assert.match(conf, /^pxe-service=tag:!efi64,x86PC,"Network install",pxelinux,192\.168\.1\.20$/m);
  });
});
