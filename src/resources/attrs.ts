/** File attributes shared by file, copy, template, lineinfile and blockinfile: schema, parsing, diff. */
import {PxeError} from '../errors.js';
import type {FileAttrs, StatResult} from '../transport/types.js';

export const attrsSchema = {
  mode: {
    type: ['string', 'integer'],
    description: "Permission bits: an octal string ('0644') or a number already in octal (YAML 0644).",
  },
  owner: {type: 'string', description: 'User name that should own the path.'},
  group: {type: 'string', description: 'Group name that should own the path.'},
} as const;

export interface AttrArgs {
  mode?: string | number;
  owner?: string;
  group?: string;
}

/** '0644', '644', '0o644' or a number (already octal) -> 0o644. */
export function parseMode(mode: string | number | undefined): number | undefined {
  if (mode === undefined) return undefined;
  if (typeof mode === 'number') return mode;
  const text = mode.trim().replace(/^0o/, '');
  if (!/^[0-7]{3,4}$/.test(text)) {
    throw new PxeError('E_MODULE_ARGS', `mode '${mode}' is not an octal permission`, {
      expected: "an octal string such as '0644' or '0755'",
      hint: "quote the mode ('0644') so YAML keeps it a string",
    });
  }
  return Number.parseInt(text, 8);
}

export function wantedAttrs(args: AttrArgs): FileAttrs {
  return {mode: parseMode(args.mode), owner: args.owner, group: args.group};
}

export function formatMode(mode: number | undefined): string {
  return mode === undefined ? '?' : '0' + mode.toString(8).padStart(3, '0');
}

/** One line per attribute that differs, e.g. "mode 0600 -> 0644"; [] when all match. */
export function attrDifferences(wanted: FileAttrs, observed: StatResult): string[] {
  const lines: string[] = [];
  if (wanted.mode !== undefined && wanted.mode !== observed.mode) {
    lines.push(`mode ${formatMode(observed.mode)} -> ${formatMode(wanted.mode)}`);
  }
  if (wanted.owner !== undefined && wanted.owner !== observed.owner && wanted.owner !== String(observed.uid)) {
    lines.push(`owner ${observed.owner ?? observed.uid} -> ${wanted.owner}`);
  }
  if (wanted.group !== undefined && wanted.group !== observed.group && wanted.group !== String(observed.gid)) {
    lines.push(`group ${observed.group ?? observed.gid} -> ${wanted.group}`);
  }
  return lines;
}
