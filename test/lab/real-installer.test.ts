/**
 * The real Debian installer, unattended, from a pxeprov server in the lab (root, QEMU TCG): the lab host
 * becomes a PXE server whose media is Debian's debian-installer-12-netboot-amd64 package (installed on it
 * by the roles) and whose default profile is a preseed. Its LAN is the default one: no router and no name
 * server in DHCP. BIOS and UEFI clients boot d-i, over each boot transport (with http: iPXE's menu for BIOS;
 * shim -> GRUB, or snponly.efi and iPXE's menu with pxe_uefi_loader ipxe, for UEFI), which must configure the network
 * and fetch the preseed without asking anything: nginx's access log shows the preseed requested by the
 * client (and, with pxe_boot_transport http, the kernel and initrd), and the preseed's early command prints
 * a marker on the serial console, where the client is stopped.
 */
import assert from 'node:assert/strict';
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {labDown, labUp, runInLabHost} from '../../src/lab/index.js';
import {bootUntilPreseedRan, MARKER, upInstallerServer} from './debian-installer.js';

const PREFIX = 'pxi5';

let dir: string;
let inventory: string;

describe('lab: the real Debian installer runs unattended from a pxeprov server', {timeout: 30 * 60_000}, () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pxeprov-real-installer-'));
    inventory = join(dir, 'lab.yaml');
    await labDown({prefix: PREFIX});
    await labUp({prefix: PREFIX, inventory});
    await upInstallerServer(inventory, dir);
  });

  after(async () => {
    await labDown({prefix: PREFIX});
    await rm(dir, {recursive: true, force: true});
  });

  it("the server serves the package's kernel and initrd; its LAN has no router and no name server", async () => {
    const {stdout} = await runInLabHost(
      'cd /usr/lib/debian-installer/images/12/amd64/text/debian-installer/amd64 && sha256sum linux initrd.gz /var/lib/tftpboot/debian12/vmlinuz /var/lib/tftpboot/debian12/initrd.img; grep -c "option routers\\|domain-name-servers" /etc/dhcp/dhcpd.conf || true',
      {prefix: PREFIX},
    );
    const [kernel, initrd, servedKernel, servedInitrd, dhcpOptions] = stdout.trim().split('\n');
    assert.equal(servedKernel!.split(' ')[0], kernel!.split(' ')[0]);
    assert.equal(servedInitrd!.split(' ')[0], initrd!.split(' ')[0]);
    assert.equal(dhcpOptions, '0', 'the default LAN: DHCP hands out no router and no name server');
  });

  // BIOS with http boots iPXE's menu; UEFI with http boots shim -> GRUB, or iPXE's menu with pxe_uefi_loader ipxe.
  const cases: Array<[string, boolean, Record<string, unknown>]> = [
    ['http', false, {}],
    ['http', true, {}],
    ['http, pxe_uefi_loader ipxe', true, {pxe_uefi_loader: 'ipxe'}],
    ['tftp', false, {pxe_boot_transport: 'tftp'}],
    ['tftp', true, {pxe_boot_transport: 'tftp'}],
  ];
  let served = {};
  for (const [what, uefi, vars] of cases) {
    const transport = what.split(',')[0];
    it(`${what}: ${uefi ? 'a UEFI' : 'a BIOS'} client: d-i configures the network and loads the preseed without a question`, async () => {
      if (JSON.stringify(vars) !== JSON.stringify(served)) await upInstallerServer(inventory, dir, vars);
      served = vars;
      const {result, console, requests} = await bootUntilPreseedRan(PREFIX, uefi);
      const trace = `${result.verdict} after ${result.seconds.toFixed(0)} s\nrequests: ${JSON.stringify(requests)}\nconsole: ${result.consoleLog}`;
      assert.match(console, /Linux version \d/, `d-i's own kernel booted with console=ttyS0\n${trace}`);
      const preseed = requests.find((r) => r.request === 'GET /preseed/bookworm.cfg' && r.status === 200);
      assert.ok(preseed, `d-i fetched its preseed from the server\n${trace}`);
      assert.ok(preseed.client.startsWith('192.168.77.'), preseed.client);
      const overHttp = ['GET /tftp/debian12/vmlinuz', 'GET /tftp/debian12/initrd.img'].filter((r) =>
        requests.some((q) => q.request === r && q.status === 200),
      );
      assert.equal(
        overHttp.length,
        transport === 'http' ? 2 : 0,
        `kernel and initrd over HTTP only with the http transport\n${trace}`,
      );
      const ipxe = requests.some((q) => q.request === 'GET /tftp/ipxe/boot.ipxe' && q.status === 200);
      assert.equal(ipxe, transport === 'http' && (!uefi || 'pxe_uefi_loader' in vars), `iPXE's menu\n${trace}`);
      assert.ok(console.includes(MARKER), `d-i ran the preseed's early command (serial console)\n${trace}`);
      // At priority=critical every question d-i shows is titled [!!]; without the kernel line's answers it
      // stopped at "[!!] Configure the network ... Continue without a default route?" and never fetched the preseed.
      assert.doesNotMatch(
        console,
        /\[!!\]|Continue without a default route|Name server addresses/,
        `d-i asked nothing\n${trace}`,
      );
    });
  }
});
