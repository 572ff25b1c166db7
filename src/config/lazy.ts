/** Marks an object computed on read (hostvars): templating must not walk it, which would compute it all. */
export const LAZY = Symbol('pxeprov.lazy');

export function isLazy(value: unknown): boolean {
  return !!value && typeof value === 'object' && (value as {[LAZY]?: boolean})[LAZY] === true;
}
