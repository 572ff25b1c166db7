/**
 * A host's install state on the PXE server, kept apart from every templated file: one small file per
 * dhcp_hosts entry under pxe_build_state_dir (key=value lines). The menus are rendered from the templates
 * plus this state, so a build that the installer ends by itself (the callback flips the state and the
 * menus together) is neither drift for `check` nor undone by `up`. Pure: text in, values out.
 */
import {trackSecret} from '../config/redact.js';
import {PxeError} from '../errors.js';

/** build: the host's menus boot its profile; local: they boot the local disk. */
export type BuildMode = 'build' | 'local';

export interface BuildState {
  mode: BuildMode;
  /** When the current build started (build mode), ISO 8601 UTC. */
  since?: string;
  /** The per-build secret the installer's callback must present; only while in build mode. */
  token?: string;
  /** When the installer last called back, ISO 8601 UTC. */
  done?: string;
}

const KEYS = new Set(['state', 'since', 'token', 'done']);
const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
const TOKEN = /^[0-9a-f]{32}$/;

/** The state file's content; anything that is not ours is an error naming the file (never read as "local"). */
export function parseBuildState(text: string, where: {host: string; file: string}): BuildState {
  const fields = new Map<string, string>();
  const bad = (why: string) =>
    new PxeError('E_REMOTE', `${where.file} on ${where.host} is not a pxeprov build state: ${why}`, {
      where: {host: where.host, file: where.file},
      expected: 'key=value lines: state=build|local, since=TIME, token=HEX, done=TIME',
      hint: 'it is written by `pxeprov install` and the installer callback; remove it to make the host boot its local disk',
    });
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const eq = line.indexOf('=');
    const key = eq > 0 ? line.slice(0, eq) : '';
    if (!KEYS.has(key)) throw bad(`unexpected line '${line.slice(0, 40)}'`);
    if (fields.has(key)) throw bad(`${key} is given twice`);
    fields.set(key, line.slice(eq + 1));
  }
  const mode = fields.get('state');
  if (mode !== 'build' && mode !== 'local') throw bad(`state is '${mode ?? ''}'`);
  for (const key of ['since', 'done'] as const) {
    const value = fields.get(key);
    if (value !== undefined && !TIME.test(value)) throw bad(`${key} '${value}' is not a UTC time`);
  }
  const token = fields.get('token');
  if (token !== undefined && !TOKEN.test(token)) throw bad('the token is malformed');
  if (mode === 'build' && token === undefined) throw bad('build mode without a token');
  // The token is a secret: masked wherever it could show (diffs of the menus that carry it, results).
  if (token !== undefined) trackSecret(token);
  const state: BuildState = {mode};
  for (const key of ['since', 'token', 'done'] as const) if (fields.has(key)) state[key] = fields.get(key);
  return state;
}

export function serializeBuildState(state: BuildState): string {
  const lines = [`state=${state.mode}`];
  for (const key of ['since', 'token', 'done'] as const)
    if (state[key] !== undefined) lines.push(`${key}=${state[key]}`);
  return lines.join('\n') + '\n';
}

/** A second-precision UTC time, as the callback script writes it (date -u +%Y-%m-%dT%H:%M:%SZ). */
export function utcNow(now = new Date()): string {
  return now.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
