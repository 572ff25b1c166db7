import {chmod, copyFile, mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {basename, join} from 'node:path';
import {run} from './exec.js';
import {modulesInLoadOrder} from './modules.js';
import type {Kernel} from './kernel.js';

/** The NICs the lab boots (QEMU's e1000 for BIOS/iPXE, virtio-net for UEFI), with their dependencies. */
export const NIC_MODULES = ['e1000', 'virtio_pci', 'virtio_net'];
const BUSYBOX = '/bin/busybox';

/**
 * /init of the test ISO: prints the version marker, loads the NIC modules, DHCP (udhcpc), fetches the
 * kickstart named by ks= or inst.ks= over HTTP, runs its %post --nochroot sections (as anaconda would at
 * the end), prints its sha256, powers off. (Debian's static
 * busybox wget crashes with -T, hence `timeout`.) Markers go to the
 * console and, when the kernel's console is not the serial port, to ttyS0 too, so the lab always sees them.
 */
export function initScript(version: number, modules: string[]): string {
  return `#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
say() {
  echo "$*" > /dev/console
  grep -q 'console=ttyS0' /proc/cmdline || echo "$*" > /dev/ttyS0
}
say "PXEPROV-TEST-ISO version=${version}"
for m in ${modules.join(' ')}; do insmod /lib/modules/$m.ko 2>/dev/null; done
ks=
for arg in $(cat /proc/cmdline); do
  case "$arg" in ks=*) ks="\${arg#ks=}" ;; inst.ks=*) ks="\${arg#inst.ks=}" ;; esac
done
iface=
n=0
while [ -z "$iface" ] && [ $n -lt 50 ]; do
  iface=$(ls /sys/class/net | grep -v '^lo$' | head -n 1)
  [ -n "$iface" ] || { sleep 0.1; n=$((n + 1)); }
done
if [ -z "$iface" ]; then say "PXEPROV-FAIL no network interface"; poweroff -f; fi
ip link set "$iface" up
if udhcpc -i "$iface" -s /udhcpc.sh -n -q -t 10 -T 1 >/dev/null 2>&1; then
  say "PXEPROV-DHCP iface=$iface ip=$(cat /tmp/ip)"
else
  say "PXEPROV-FAIL no DHCP lease on $iface"; poweroff -f
fi
if [ -z "$ks" ]; then
  say "PXEPROV-FAIL no ks= or inst.ks= on the kernel command line"
elif timeout 20 wget -q -O /tmp/ks.cfg "$ks"; then
  # As anaconda ends an install: the kickstart's %post --nochroot sections (the build-done callback).
  sed -n '/^%post --nochroot/,/^%end/{/^%/d;p}' /tmp/ks.cfg > /tmp/post.sh
  if [ -s /tmp/post.sh ]; then
    if timeout 30 sh /tmp/post.sh >/tmp/post.log 2>&1; then say "PXEPROV-POST ok"; else say "PXEPROV-POST failed: $(tail -n 1 /tmp/post.log)"; fi
  fi
  say "PXEPROV-KS sha256=$(sha256sum /tmp/ks.cfg | cut -d ' ' -f 1) url=$ks"
else
  say "PXEPROV-FAIL cannot fetch kickstart $ks"
fi
poweroff -f
`;
}

const UDHCPC_SCRIPT = `#!/bin/busybox sh
case "$1" in
  bound|renew)
    ifconfig "$interface" "$ip" netmask "\${subnet:-255.255.255.0}"
    for r in $router; do route add default gw "$r" dev "$interface"; break; done
    echo "$ip" > /tmp/ip
    ;;
esac
`;

/** Builds a gzip newc initramfs with busybox-static, the NIC modules and /init; returns its path. */
export async function buildInitrd(kernel: Kernel, version: number, out: string): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'pxeprov-initrd-'));
  try {
    for (const dir of ['bin', 'dev', 'proc', 'sys', 'tmp', 'lib/modules'])
      await mkdir(join(root, dir), {recursive: true});
    await copyFile(BUSYBOX, join(root, 'bin/busybox'));
    const kos = await modulesInLoadOrder(kernel.modulesDir, NIC_MODULES);
    for (const ko of kos) await copyFile(ko, join(root, 'lib/modules', basename(ko)));
    await writeFile(
      join(root, 'init'),
      initScript(
        version,
        kos.map((ko) => basename(ko, '.ko')),
      ),
    );
    await writeFile(join(root, 'udhcpc.sh'), UDHCPC_SCRIPT);
    await chmod(join(root, 'init'), 0o755);
    await chmod(join(root, 'udhcpc.sh'), 0o755);
    await chmod(join(root, 'bin/busybox'), 0o755);
    await run([
      'sh',
      '-c',
      'cd "$1" && find . | sort | cpio -o -H newc -R 0:0 --quiet | gzip -9n > "$2"',
      'sh',
      root,
      out,
    ]);
  } finally {
    await rm(root, {recursive: true, force: true});
  }
}
