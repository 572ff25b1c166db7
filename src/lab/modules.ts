import {readdir, readFile} from 'node:fs/promises';
import {join} from 'node:path';
import {PxeError} from '../errors.js';

/** Module names are compared with '-' and '_' the same, as the kernel does. */
const norm = (name: string) => name.replace(/-/g, '_');

/** The `depends=` list of a module's .modinfo section (NUL-separated key=value strings). */
export function modinfoDepends(ko: Buffer): string[] {
  const at = ko.indexOf('\0depends=');
  if (at < 0) return [];
  const start = at + '\0depends='.length;
  const value = ko.subarray(start, ko.indexOf(0, start)).toString();
  return value ? value.split(',').map(norm) : [];
}

/** Orders modules so each comes after its dependencies (the order insmod needs). */
export function loadOrder(wanted: string[], depends: (name: string) => string[]): string[] {
  const order: string[] = [];
  const visit = (name: string, path: string[]) => {
    if (order.includes(name)) return;
    if (path.includes(name)) throw new PxeError('E_LAB', `module dependency cycle: ${[...path, name].join(' -> ')}`);
    for (const dep of depends(name)) visit(dep, [...path, name]);
    order.push(name);
  };
  for (const name of wanted.map(norm)) visit(name, []);
  return order;
}

/** Resolves wanted module names in an extracted lib/modules/<release> to .ko paths in load order. */
export async function modulesInLoadOrder(modulesDir: string, wanted: string[]): Promise<string[]> {
  const index = new Map<string, string>();
  for (const rel of await readdir(join(modulesDir, 'kernel'), {recursive: true})) {
    if (rel.endsWith('.ko')) index.set(norm(rel.split('/').pop()!.slice(0, -3)), join(modulesDir, 'kernel', rel));
  }
  const deps = new Map<string, string[]>();
  for (const name of wanted.map(norm)) await collect(name);
  async function collect(name: string): Promise<void> {
    if (deps.has(name)) return;
    const path = index.get(name);
    if (!path) throw new PxeError('E_LAB', `kernel module ${name} not found under ${modulesDir}`);
    const list = modinfoDepends(await readFile(path));
    deps.set(name, list);
    for (const dep of list) await collect(dep);
  }
  return loadOrder(wanted, (name) => deps.get(name) ?? []).map((name) => index.get(name)!);
}
