/**
 * Reads a PXE client's serial console (SeaBIOS + iPXE + pxelinux or iPXE's menu, or OVMF + shim/GRUB or
 * snponly.efi, then the test ISO's initrd) into a timeline. Pure: lines and their times in, steps and a
 * verdict out.
 */

export type StepName = 'firmware' | 'dhcp' | 'bootfile' | 'menu' | 'kernel' | 'initrd' | 'ip' | 'kickstart';

export interface Step {
  step: StepName;
  /** Seconds since QEMU started. */
  at: number;
  line: string;
}

export interface Timeline {
  steps: Step[];
  /** PXEPROV-TEST-ISO version=N seen on the console. */
  isoVersion?: number;
  ksSha256?: string;
  /** The first line that shows the boot cannot go on. */
  failure?: string;
}

const STEPS: Array<[StepName, RegExp]> = [
  ['firmware', /SeaBIOS \(version|iPXE \d|UEFI firmware|BdsDxe:|>>Start (?:PXE|HTTP Boot) over IPv4/],
  ['dhcp', /Configuring \(net\d.*\bok\b|^net\d: \d+\.\d+\.\d+\.\d+\/|Station IP address is/],
  // UEFI HTTP Boot counts its download up to 100%, on one line.
  ['bootfile', /(?:tftp|http):\/\/\S+\.\.\. ok|NBP file downloaded successfully|Downloading\.\.\.100%/],
  // The boot loader is up (with GRUB's timeout=0 no menu is drawn); iPXE's menu shows its local-disk item.
  ['menu', /^PXELINUX \d|boot: |Welcome to GRUB|GNU GRUB +version|Booting `|Boot from the local disk/],
  // iPXE prints the URL as its own fetch starts and "ok" when it ends.
  [
    'kernel',
    /Loading \S*vmlinuz|^(?:tftp|http):\/\/\S+\/vmlinuz\.\.\.|Linux version \d|EFI stub: |Decompressing Linux/,
  ],
  ['initrd', /Loading \S*initrd|^(?:tftp|http):\/\/\S+\/initrd\S*\.\.\.|Unpacking initramfs|PXEPROV-TEST-ISO version=/],
  ['ip', /PXEPROV-DHCP /],
  ['kickstart', /PXEPROV-KS sha256=/],
];

const FAILURES = [
  /PXEPROV-FAIL .*/,
  /No more network devices/,
  /PXE-E\d\d.*/,
  /Access Denied/,
  /Kernel panic.*/,
  /Could not (?:find|load) kernel image.*/,
  // GRUB prints harmless "error:" lines (video modes); this one means the kernel did not load.
  /error: you need to load the kernel first.*/,
  /Boot Failed\..*/,
  /No bootable device.*/,
  // UEFI HTTP Boot got no boot URL in the DHCP offers (or the server did not answer for it).
  /Could not retrieve NBP file size from HTTP server.*/,
];

/** Removes terminal escapes and carriage returns that firmware consoles emit. */
export function cleanLine(raw: string): string {
  return (
    raw
      .replace(/\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\x1b[=>c]/g, '')
      // \r, and the backspaces of a progress figure overwritten in place ("initrd.img... 76%\b\b\b\b ok").
      .replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '')
      .trim()
  );
}

/**
 * Adds one console line to the timeline; a step is recorded once, at its first line. The console is read in
 * chunks and unfinished lines are looked at too (a prompt may wait without a newline): when a step's line
 * later arrives whole, it replaces the part seen first, keeping the first time.
 */
export function addLine(timeline: Timeline, raw: string, at: number): void {
  const line = cleanLine(raw);
  if (!line) return;
  for (const [step, re] of STEPS) {
    if (!re.test(line)) continue;
    const seen = timeline.steps.find((s) => s.step === step);
    if (!seen) timeline.steps.push({step, at, line});
    else if (line.length > seen.line.length && line.startsWith(seen.line)) seen.line = line;
  }
  const version = /PXEPROV-TEST-ISO version=(\d+)/.exec(line);
  if (version) timeline.isoVersion = Number(version[1]);
  const ks = /PXEPROV-KS sha256=([0-9a-f]{64})/.exec(line);
  if (ks) timeline.ksSha256 = ks[1];
  if (!timeline.failure && FAILURES.some((re) => re.test(line))) timeline.failure = line;
}

export function timelineOf(lines: Array<{line: string; at: number}>): Timeline {
  const timeline: Timeline = {steps: []};
  for (const {line, at} of lines) addLine(timeline, line, at);
  return timeline;
}

/** The boot is over: the kickstart was fetched, the initrd gave up, or the firmware did. */
export function finished(timeline: Timeline): boolean {
  return timeline.ksSha256 !== undefined || timeline.failure !== undefined;
}
