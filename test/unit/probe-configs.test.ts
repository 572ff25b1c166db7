import {describe, it} from 'node:test';
import assert from 'node:assert/strict';
import {defaultLabel, mergeInclude, parsePxelinux, pxelinuxConfigNames} from '../../src/probe/pxelinux.js';
import {defaultEntry, grubConfigNames, grubTftpPath, grubWords, parseGrubCfg} from '../../src/probe/grub.js';
import {clientSettings, defaultItem, expandIpxe, parseIpxeScript} from '../../src/probe/ipxe.js';
import {loadPlaybook} from '../../src/config/playbook.js';
import {renderTemplateFile} from '../../src/config/template.js';
import {hostMenus} from '../../src/lifecycle/menus.js';

describe('pxelinux config names', () => {
  it("follow the order of a CentOS 7 server's tftpd log: UUID, 01-MAC, hex IP and prefixes, default", () => {
    const names = pxelinuxConfigNames({
      uuid: '8C6B4DC2837ADA11B45DB37D29A9F83D',
      mac: '90:E6:BA:1F:C5:EF',
      ip: '192.168.1.102',
    });
    assert.deepEqual(names, [
      'pxelinux.cfg/8c6b4dc2-837a-da11-b45d-b37d29a9f83d',
      'pxelinux.cfg/01-90-e6-ba-1f-c5-ef',
      'pxelinux.cfg/C0A80166',
      'pxelinux.cfg/C0A8016',
      'pxelinux.cfg/C0A801',
      'pxelinux.cfg/C0A80',
      'pxelinux.cfg/C0A8',
      'pxelinux.cfg/C0A',
      'pxelinux.cfg/C0',
      'pxelinux.cfg/C',
      'pxelinux.cfg/default',
    ]);
  });
  it('skip the UUID when the client has none', () => {
    assert.equal(
      pxelinuxConfigNames({mac: '52:54:00:00:00:01', ip: '10.0.0.1'})[0],
      'pxelinux.cfg/01-52-54-00-00-00-01',
    );
  });
});

describe('pxelinux config parser', () => {
  // The classic CentOS 7 how-to's config, fixed: it spells LABEL "lable", which pxelinux ignores.
  const seed = `default ks
prompt 1
timeout 6
display boot.msg
label Linux
  kernel vmlinuz
  append initrd=initrd.img
label ks
  kernel vmlinuz
  append initrd=initrd.img ks=nfs://192.168.1.20/var/lib/tftpboot/Centos/ks.cfg ksdevice=eth0
label local
  localboot 1
`;
  it('reads labels, kernels, initrd= from APPEND and DEFAULT', () => {
    const c = parsePxelinux(seed);
    assert.equal(c.labels.length, 3);
    assert.equal(defaultLabel(c)!.name, 'ks');
    assert.deepEqual(defaultLabel(c)!.initrds, ['initrd.img']);
    assert.match(defaultLabel(c)!.append, /ksdevice=eth0/);
    assert.equal(c.labels[2]!.localboot, true);
  });
  it('takes LINUX, INITRD lists, comma-separated initrd=, menus, includes and skips help text', () => {
    const c = parsePxelinux(`UI vesamenu.c32
MENU INCLUDE pxelinux.cfg/pxe.conf
INCLUDE common.cfg
LABEL centos
  MENU LABEL CentOS
  MENU DEFAULT
  LINUX centos/vmlinuz
  INITRD centos/initrd.img,centos/extra.img
  TEXT HELP
  LABEL not-a-label
  ENDTEXT
  APPEND initrd=a.img,b.img inst.ks=http://x/ks.cfg
`);
    assert.equal(c.ui, 'vesamenu.c32');
    assert.deepEqual(c.includes, ['pxelinux.cfg/pxe.conf', 'common.cfg']);
    assert.equal(c.labels.length, 1);
    assert.equal(c.default, 'centos');
    assert.deepEqual(c.labels[0]!.initrds, ['centos/initrd.img', 'centos/extra.img', 'a.img', 'b.img']);
  });
  it('treats DEFAULT menu.c32 as the UI and merges included labels', () => {
    const c = parsePxelinux('DEFAULT menu.c32\n');
    assert.equal(c.ui, 'menu.c32');
    mergeInclude(c, parsePxelinux('LABEL a\n KERNEL k\n'));
    assert.equal(defaultLabel(c)!.name, 'a');
  });
});

describe('GRUB config', () => {
  it('names grub.cfg candidates as GRUB does over the network', () => {
    assert.deepEqual(grubConfigNames('grub', {mac: '52:54:00:ec:33:81', ip: '10.0.0.130'}).slice(0, 3), [
      'grub/grub.cfg-52-54-00-ec-33-81',
      'grub/grub.cfg-0A000082',
      'grub/grub.cfg-0A00008',
    ]);
    assert.equal(grubConfigNames('grub/', {mac: '52:54:00:ec:33:81', ip: '10.0.0.130'}).at(-1), 'grub/grub.cfg');
  });
  it('parses menuentries, quoted args, set default and configfile', () => {
    const c = parseGrubCfg(`set default=1
set timeout=5
menuentry 'Install CentOS' --class os {
  linux /centos/vmlinuz inst.ks=http://192.168.77.1/ks.cfg "ds=nocloud-net;s=http://x/"
  initrd /centos/initrd.img
}
menuentry "Rescue" {
  linuxefi (tftp)/rescue/vmlinuz rescue
  initrdefi (tftp,192.168.77.1)/rescue/initrd.img
}
configfile (tftp)/grub/extra.cfg
`);
    assert.equal(c.entries.length, 2);
    assert.equal(c.entries[0]!.args, 'inst.ks=http://192.168.77.1/ks.cfg ds=nocloud-net;s=http://x/');
    assert.equal(defaultEntry(c)!.title, 'Rescue');
    assert.deepEqual(c.entries[1]!.initrds, ['(tftp,192.168.77.1)/rescue/initrd.img']);
    assert.deepEqual(c.includes, ['(tftp)/grub/extra.cfg']);
  });
  it('expands variables the file sets in the kernel and initrd paths, leaves the others to GRUB', () => {
    const c = parseGrubCfg(`if insmod http; then
  set media_root=(http,192.168.77.1)/tftp
fi
menuentry 'Install' {
  linux \${media_root}/testos/vmlinuz BOOTIF=01-\${net_default_mac}
  initrd $media_root/testos/initrd.img
}
`);
    assert.equal(c.entries[0]!.linux, '(http,192.168.77.1)/tftp/testos/vmlinuz');
    assert.equal(c.entries[0]!.args, 'BOOTIF=01-${net_default_mac}');
    assert.deepEqual(c.entries[0]!.initrds, ['(http,192.168.77.1)/tftp/testos/initrd.img']);
  });
  it('maps GRUB device paths to TFTP paths and splits quoted words', () => {
    assert.equal(grubTftpPath('(tftp,10.0.0.1)/a/b'), 'a/b');
    assert.equal(grubTftpPath('/a/b'), 'a/b');
    assert.deepEqual(grubWords(`menuentry 'a b' "c d" e`), ['menuentry', 'a b', 'c d', 'e']);
  });
});

describe('iPXE script reader, on the scripts the syslinux role writes', () => {
  const play = loadPlaybook('playbooks/pxe-server.yaml').plays[0]!;
  const vars = {
    ...Object.assign({}, ...play.roles.map((r) => r.defaults)),
    pxe_iface: 'eth1',
    pxe_ip: '192.168.77.1',
    pxe_subnet: '192.168.77.0/24',
    memtest_file: {stat: {exists: true}},
    pxe_menu_default: 'ks',
    pxe_profiles: [
      {name: 'ks', label: 'Install TestOS (kickstart)', media: 'testos'},
      {name: 'noble', label: 'Ubuntu', media: 'noble', kind: 'autoinstall'},
    ],
  };
  const mac = '52:54:00:AB:CD:EF';
  const render = (host: unknown) => renderTemplateFile('roles/syslinux/templates/boot.ipxe.j2', {...vars, host});
  it("the shared script: the client's own script first, then the menu; settings expanded as iPXE does", async () => {
    const script = parseIpxeScript(await render(null), clientSettings(mac, 'pcbios'));
    assert.deepEqual(script.chains, ['http://192.168.77.1/tftp/ipxe/01-52-54-00-ab-cd-ef.ipxe']);
    assert.deepEqual(
      script.items.map((i) => [i.name, i.label, i.exit]),
      [
        ['ks', 'Install TestOS (kickstart)', false],
        ['noble', 'Ubuntu', false],
        ['local', 'Boot from the local disk', true],
        ['memtest', 'Memory test (memtest86+)', false],
      ],
    );
    const boot = defaultItem(script)!;
    assert.deepEqual(
      [boot.name, boot.kernel, boot.initrds],
      ['ks', 'http://192.168.77.1/tftp/testos/vmlinuz', ['http://192.168.77.1/tftp/testos/initrd.img']],
    );
    assert.match(boot.args, /^initrd=initrd\.img inst\.ks=\S+ .* BOOTIF=01-52-54-00-ab-cd-ef$/);
    assert.match(script.items[1]!.args, / ds=nocloud-net;s=http:\/\/192\.168\.77\.1\/autoinstall\/noble\/ /);
  });
  it('UEFI clients see no memtest item; a per-host script chains nowhere and boots local by default', async () => {
    const uefi = parseIpxeScript(await render(null), clientSettings(mac, 'efi'));
    assert.deepEqual(
      uefi.items.map((i) => i.name),
      ['ks', 'noble', 'local'],
    );
    const host = hostMenus([{name: 'n1', mac, profile: 'ks'}], new Map(), 'http://192.168.77.1/pxeprov/done')[0];
    const own = parseIpxeScript(await render(host), clientSettings(mac, 'pcbios'));
    assert.deepEqual([own.chains, defaultItem(own)!.name, defaultItem(own)!.exit], [[], 'local', true]);
  });
  it('reads comments, unknown settings and the status operators as iPXE does', () => {
    const script = parseIpxeScript(
      `#!ipxe
set base http://s/x   # a comment
iseq \${platform} efi && item a A || item b B
isset \${nothing} || item c \${nothing}C
choose --default b --timeout 0 t
:b
kernel \${base}/k\${undefined} quiet
initrd \${base}/i
`,
      clientSettings(mac, 'pcbios'),
    );
    assert.deepEqual(
      script.items.map((i) => [i.name, i.label]),
      [
        ['b', 'B'],
        ['c', 'C'],
      ],
    );
    assert.deepEqual([defaultItem(script)!.kernel, defaultItem(script)!.initrds], ['http://s/x/k', ['http://s/x/i']]);
  });
  it('expands the innermost setting first, again until none is left', () => {
    const settings = new Map([
      ['a', 'b'],
      ['xb', 'done'],
    ]);
    assert.equal(expandIpxe('${x${a}}!', settings), 'done!');
  });
});
