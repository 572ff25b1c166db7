/**
 * A stand-in PXE server for the lab tests, set up by hand on the lab host over SSH (isc-dhcp-server,
 * tftpd-hpa, pxelinux, shim + signed grubnetx64, python3's http.server) on its LAN interface only.
 * The PXE-server playbook replaces it once that exists.
 */
import {createHash} from 'node:crypto';
import {mkdtemp, readFile, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {run} from '../../src/lab/exec.js';
import {LAN, labNames} from '../../src/lab/names.js';
import {runInLabHost} from '../../src/lab/ssh.js';

export const KICKSTART =
  '#version=DEVEL\n# pxeprov lab test kickstart\ninstall\nurl --url=http://192.168.77.1/centos\n';
export const KICKSTART_SHA256 = createHash('sha256').update(KICKSTART).digest('hex');
const KS_URL = `http://${LAN.serverIp}/ks.cfg`;
const APPEND = `console=ttyS0 quiet ks=${KS_URL}`;

const DHCPD_CONF = `# pxeprov lab test server
option space ipxe;
option ipxe-encap-opts code 175 = encapsulate ipxe;
option ipxe.no-pxedhcp code 176 = unsigned integer 8;
option arch code 93 = unsigned integer 16;
default-lease-time 600;
max-lease-time 7200;
authoritative;
ping-check false;
subnet 192.168.77.0 netmask ${LAN.netmask} {
  range ${LAN.rangeStart} ${LAN.rangeEnd};
  next-server ${LAN.serverIp};
  # iPXE: skip the 3 s wait for ProxyDHCP offers.
  option ipxe.no-pxedhcp 1;
  if option arch = 00:07 or option arch = 00:09 {
    # iPXE 1.0.0+git-20190125's EFI ROM cannot chain shim (shim misreads the image it hands over):
    # give iPXE GRUB itself; firmware PXE clients get shim, so Secure Boot works.
    if exists user-class and option user-class = "iPXE" {
      filename "grubx64.efi";
    } else {
      filename "bootx64.efi";
    }
  } else {
    filename "pxelinux.0";
  }
}
`;

const PXELINUX_DEFAULT = `DEFAULT test
PROMPT 0
TIMEOUT 10
LABEL test
  KERNEL centos/vmlinuz
  APPEND initrd=centos/initrd.img ${APPEND}
`;

const GRUB_CFG = `set timeout=0
set default=0
menuentry 'pxeprov test' {
  echo 'Loading /centos/vmlinuz'
  linux /centos/vmlinuz ${APPEND}
  echo 'Loading /centos/initrd.img'
  initrd /centos/initrd.img
}
`;

const HTTP_UNIT = `[Unit]
Description=pxeprov lab test HTTP server
After=network.target
[Service]
ExecStart=/usr/bin/python3 -m http.server 80 --bind ${LAN.serverIp} --directory /srv/http
Restart=on-failure
[Install]
WantedBy=multi-user.target
`;

const SETUP = `set -e
export DEBIAN_FRONTEND=noninteractive
ip addr replace ${LAN.serverIp}/24 dev $PXE_IFACE
apt-get update -q >/tmp/pxe-apt.log 2>&1 && apt-get install -y -q isc-dhcp-server tftpd-hpa pxelinux syslinux-common shim-signed grub-efi-amd64-signed >/tmp/pxe-apt.log 2>&1 || { tail -20 /tmp/pxe-apt.log; exit 1; }
mkdir -p /srv/tftp/pxelinux.cfg /srv/tftp/grub /srv/tftp/centos /srv/http
cp /usr/lib/PXELINUX/pxelinux.0 /usr/lib/syslinux/modules/bios/ldlinux.c32 /srv/tftp/
cp /usr/lib/shim/shimx64.efi.signed /srv/tftp/bootx64.efi
cp /usr/lib/grub/x86_64-efi-signed/grubnetx64.efi.signed /srv/tftp/grubx64.efi
echo "INTERFACESv4=\\"$PXE_IFACE\\"" > /etc/default/isc-dhcp-server
printf 'TFTP_USERNAME="tftp"\\nTFTP_DIRECTORY="/srv/tftp"\\nTFTP_ADDRESS="${LAN.serverIp}:69"\\nTFTP_OPTIONS="--secure -v"\\n' > /etc/default/tftpd-hpa
`;

async function put(prefix: string, path: string, content: string | Buffer): Promise<void> {
  await runInLabHost(`cat > '${path}'`, {prefix, input: content});
}

/** Installs and configures the stand-in server; boots the test ISO's kernel with ks=http://…/ks.cfg. */
export async function setupTestPxeServer(prefix: string, isoPath: string): Promise<void> {
  const n = labNames(prefix);
  await runInLabHost(`PXE_IFACE=${n.pxeIface}; ${SETUP}`, {prefix, timeoutMs: 300_000});
  const tree = await mkdtemp(join(tmpdir(), 'pxeprov-iso-'));
  try {
    await run(['bsdtar', '-xf', isoPath, '-C', tree, 'images/pxeboot']);
    for (const name of ['vmlinuz', 'initrd.img']) {
      await put(prefix, `/srv/tftp/centos/${name}`, await readFile(join(tree, 'images/pxeboot', name)));
    }
  } finally {
    await rm(tree, {recursive: true, force: true});
  }
  await put(prefix, '/etc/dhcp/dhcpd.conf', DHCPD_CONF);
  await put(prefix, '/srv/tftp/pxelinux.cfg/default', PXELINUX_DEFAULT);
  await put(prefix, '/srv/tftp/grub/grub.cfg', GRUB_CFG);
  await put(prefix, '/srv/http/ks.cfg', KICKSTART);
  await put(prefix, '/etc/systemd/system/pxe-test-http.service', HTTP_UNIT);
  await runInLabHost(
    'dhcpd -t -cf /etc/dhcp/dhcpd.conf -q && systemctl daemon-reload && ' +
      'systemctl enable -q --now pxe-test-http && systemctl restart isc-dhcp-server tftpd-hpa pxe-test-http',
    {prefix},
  );
}
