/**
 * Boot transport bench (root, QEMU TCG, in the lab): the real Debian 12 installer (Debian's
 * debian-installer-12-netboot-amd64: an 8 MB kernel and a 40 MB initrd) from a pxeprov server, each boot path
 * of pxe_boot_transport http against tftp, BIOS and UEFI clients:
 *   BIOS  http: iPXE's own menu (the default) | http: pxelinux run by iPXE (dhcp_ipxe_bootfile pxelinux.0) | tftp
 *   UEFI  http: shim -> GRUB (the default) | http: snponly.efi and iPXE's menu (pxe_uefi_loader ipxe) | tftp
 * Per boot, read from the client's serial console:
 *   load   the kernel and initrd: from the loader starting the kernel's fetch (pxelinux's "Loading", iPXE printing
 *          the kernel's URL, GRUB's echo before `linux`) to the end of the initrd's (pxelinux's and iPXE's "ok",
 *          GRUB's echo after `initrd`)
 *   total  power-on to d-i having read its preseed (the preseed's early command prints a marker)
 * Prints medians of RUNS runs (default 3) and the ratios tftp / path of the same firmware; LAB_PREFIX names the
 * lab (default pxbt); UNTIL=kernel stops each boot once the kernel runs (the load only: minutes less per boot
 * on a busy machine); ONLY=REGEX boots only the paths whose name ("UEFI | http: iPXE menu") matches. Goal: the
 * load >= 5x faster over HTTP.
 */
import {execFileSync} from 'node:child_process';
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {LAN, labDown, labUp} from '../src/lab/index.js';
import {cleanLine} from '../src/lab/timeline.js';
import {bootUntilPreseedRan, MARKER, upInstallerServer, type InstallerBoot} from '../test/lab/debian-installer.js';

const PREFIX = process.env.LAB_PREFIX ?? 'pxbt';
const RUNS = Number(process.env.RUNS ?? 3);
const LOAD_ONLY = process.env.UNTIL === 'kernel';
const ONLY = new RegExp(process.env.ONLY ?? '');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** The console's whole lines with their times. */
function consoleLines(text: string): Array<{at: number; line: string}> {
  return text.split('\n').flatMap((raw) => {
    const m = /^\[\s*([\d.]+)\] (.*)$/.exec(raw);
    return m ? [{at: Number(m[1]), line: cleanLine(m[2]!)}] : [];
  });
}

/** The boot paths, grouped by the server's variables (one `up` each). */
const PATHS: Array<{vars: Record<string, unknown>; clients: Array<{key: string; uefi: boolean}>}> = [
  {
    vars: {pxe_boot_transport: 'http'},
    clients: [
      {key: 'BIOS | http: iPXE menu', uefi: false},
      {key: 'UEFI | http: shim -> GRUB', uefi: true},
    ],
  },
  {
    vars: {pxe_boot_transport: 'http', dhcp_ipxe_bootfile: `http://${LAN.serverIp}/tftp/pxelinux.0`},
    clients: [{key: 'BIOS | http: iPXE -> pxelinux', uefi: false}],
  },
  {vars: {pxe_boot_transport: 'http', pxe_uefi_loader: 'ipxe'}, clients: [{key: 'UEFI | http: iPXE menu', uefi: true}]},
  {
    vars: {pxe_boot_transport: 'tftp'},
    clients: [
      {key: 'BIOS | tftp: pxelinux', uefi: false},
      {key: 'UEFI | tftp: shim -> GRUB', uefi: true},
    ],
  },
];

/** Seconds of the kernel and initrd load, and power-on to the preseed read (NaN with UNTIL=kernel), of one boot. */
function timings(boot: InstallerBoot, uefi: boolean): {load: number; total: number} {
  const lines = consoleLines(boot.console);
  const at = (re: RegExp, what: string) => {
    const found = lines.find((l) => re.test(l.line));
    if (!found)
      throw new Error(
        `no ${what} on the console:\n${lines
          .slice(-40)
          .map((l) => l.line)
          .join('\n')}`,
      );
    return found.at;
  };
  // pxelinux prints "Loading <file>..." as the load starts, iPXE the file's URL (the timeline's kernel step, at
  // the first part of the line seen), and "ok" as it ends; GRUB's menu entry echoes before `linux` and after `initrd`.
  const ipxe = lines.some((l) => /^http:\/\/\S+\/vmlinuz\.\.\./.test(l.line));
  const grub = uefi && !ipxe;
  const start = grub
    ? at(/^Loading debian12 \.\.\./, "GRUB's echo before linux")
    : boot.result.steps.find((s) => s.step === 'kernel')?.at;
  if (start === undefined) throw new Error(`no kernel load on the console (${boot.result.consoleLog})`);
  const end = grub
    ? at(/^Starting debian12 \.\.\./, "GRUB's echo after initrd")
    : // iPXE's progress figures may stay on the line ("initrd.img... 76%     ok").
      at(/initrd\S*\s*\.\.\.[\s\d%]*ok/, "the loader's initrd ok");
  return {load: end - start, total: LOAD_ONLY ? NaN : at(new RegExp(MARKER), 'the preseed marker')};
}

const dir = await mkdtemp(join(tmpdir(), 'pxeprov-bench-boot-'));
const inventory = join(dir, 'lab.yaml');
const results = new Map<string, Array<{load: number; total: number}>>();
try {
  await labDown({prefix: PREFIX});
  await labUp({prefix: PREFIX, inventory});
  for (const {vars, clients} of PATHS) {
    if (!clients.some((c) => ONLY.test(c.key))) continue;
    await upInstallerServer(inventory, dir, vars);
    for (const {key, uefi} of clients.filter((c) => ONLY.test(c.key))) {
      results.set(key, []);
      for (let i = 0; i < RUNS; i++) {
        const boot = await bootUntilPreseedRan(PREFIX, uefi, LOAD_ONLY ? /Linux version \d/ : undefined);
        if (!LOAD_ONLY && !boot.console.includes(MARKER))
          throw new Error(`${key}: d-i did not read its preseed: ${boot.result.verdict} (${boot.result.consoleLog})`);
        const t = timings(boot, uefi);
        results.get(key)!.push(t);
        console.error(`${key} run ${i + 1}: load ${t.load.toFixed(1)} s, total ${t.total.toFixed(1)} s`);
      }
    }
  }
} finally {
  await labDown({prefix: PREFIX});
  await rm(dir, {recursive: true, force: true});
}

const loadavg = execFileSync('cat', ['/proc/loadavg']).toString().split(' ').slice(0, 3).join(' ');
console.log(
  `\nreal d-i (40 MB initrd), QEMU TCG, ${RUNS} run(s) each, medians in seconds; ${execFileSync('nproc').toString().trim()} cores, load ${loadavg}`,
);
console.log('| client | path | kernel+initrd load | tftp / this | power-on to preseed | tftp / this |');
console.log('| --- | --- | ---: | ---: | ---: | ---: |');
const m = (xs: Array<{load: number; total: number}>, k: 'load' | 'total') => median(xs.map((x) => x[k]));
for (const [key, runs] of [...results].sort(([a], [b]) => a.localeCompare(b))) {
  const tftp = results.get([...results.keys()].find((k) => k.startsWith(key.split(' |')[0]!) && k.includes('tftp'))!);
  const ratio = (k: 'load' | 'total') => (tftp ? `${(m(tftp, k) / m(runs, k)).toFixed(1)}x` : '-');
  const total = LOAD_ONLY ? '- | -' : `${m(runs, 'total').toFixed(1)} | ${ratio('total')}`;
  console.log(`| ${key} | ${m(runs, 'load').toFixed(1)} | ${ratio('load')} | ${total} |`);
}
