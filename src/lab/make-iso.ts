import {chmod, copyFile, mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {dirname, join, resolve} from 'node:path';
import {run} from './exec.js';
import {ensureKernel} from './kernel.js';
import {buildInitrd} from './initrd.js';
import {PxeError} from '../errors.js';

export interface MakeIsoResult {
  version: number;
  path: string;
  label: string;
  kernelRelease: string;
}

/** CentOS-shaped metadata: what the media role reads to find the kernel and initrd. */
export function treeinfo(version: number): string {
  return `[header]
type = productmd.treeinfo
version = 1.2

[release]
name = PxeprovTest
short = PxeprovTest
version = ${version}

[tree]
arch = x86_64
platforms = x86_64
variants = BaseOS

[general]
name = PxeprovTest-${version}
family = PxeprovTest
version = ${version}
arch = x86_64
platforms = x86_64
packagedir = Packages

[images-x86_64]
kernel = images/pxeboot/vmlinuz
initrd = images/pxeboot/initrd.img
`;
}

/**
 * Builds the lab's small install ISO: .treeinfo, .discinfo, images/pxeboot/{vmlinuz,initrd.img}
 * (Debian's kernel, a busybox initramfs printing `PXEPROV-TEST-ISO version=N`), Packages/ with
 * dummy packages. Two versions prove an ISO update.
 */
export async function makeIso(
  version: number,
  out: string,
  log: (line: string) => void = () => {},
): Promise<MakeIsoResult> {
  if (!Number.isInteger(version) || version < 1) {
    throw new PxeError('E_USAGE', `invalid ISO version ${version}`, {expected: 'a positive integer'});
  }
  const kernel = await ensureKernel(log);
  const tree = await mkdtemp(join(tmpdir(), 'pxeprov-iso-'));
  const label = `PXEPROV-TEST-${version}`;
  try {
    await chmod(tree, 0o755);
    await mkdir(join(tree, 'images/pxeboot'), {recursive: true});
    await mkdir(join(tree, 'Packages'), {recursive: true});
    await copyFile(kernel.vmlinuz, join(tree, 'images/pxeboot/vmlinuz'));
    await buildInitrd(kernel, version, join(tree, 'images/pxeboot/initrd.img'));
    await writeFile(join(tree, '.treeinfo'), treeinfo(version));
    await writeFile(join(tree, '.discinfo'), `0\nPxeprovTest ${version}\nx86_64\n`);
    for (const name of [`pxeprov-test-release-${version}-1.noarch.rpm`, `pxeprov-test-tools-${version}-1.noarch.rpm`]) {
      await writeFile(join(tree, 'Packages', name), `dummy package ${name} of the pxeprov test ISO\n`);
    }
    const path = resolve(out);
    await mkdir(dirname(path), {recursive: true});
    await run(['xorriso', '-as', 'mkisofs', '-quiet', '-R', '-J', '-V', label, '-o', path, tree]);
    return {version, path, label, kernelRelease: kernel.release};
  } finally {
    await rm(tree, {recursive: true, force: true});
  }
}
