/**
 * What each host's own menus show, from its dhcp_hosts entry and its build state. Pure: the syslinux role's
 * per-host templates render these values, and the callback script on the server turns a build menu into
 * the local one by removing the `pxeprov.done=` argument and setting the default to local.
 */
import type {BuildState} from './state.js';

/** A host name that is safe as a file name and a URL path segment. */
export const HOST_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** A dhcp_hosts entry as the roles read it. */
export interface Reservation {
  name: string;
  mac?: string;
  ip?: string;
  /** The profile it installs (its build default). */
  profile?: string;
  /** The profiles its menu offers; the first is the build default unless `profile` names one. */
  profiles?: string[];
  /** always: it reinstalls at every network boot (a lab or kiosk machine); no callback, no flip. */
  install?: 'always';
}

export interface HostMenu {
  name: string;
  mac: string;
  /** pxelinux's per-host name (01-<mac>, lower case, dashes); GRUB's is grub.cfg-<file>. */
  file: string;
  profiles: string[];
  /** The profile a build installs. */
  profile: string;
  /** What the menus boot when their timeout expires: the profile in build mode, else local. */
  default: string;
  build: boolean;
  /** The installer's callback, with this build's token (kernel argument pxeprov.done=). */
  done_url?: string;
  install: 'always' | 'once';
  since?: string;
  done?: string;
}

/** The profiles a host's menu offers; [] means it has no menu of its own (the shared one serves it). */
export function hostProfiles(host: Reservation): string[] {
  if (host.profiles && host.profiles.length > 0) return host.profiles;
  return host.profile ? [host.profile] : [];
}

export function macFile(mac: string): string {
  return `01-${mac.toLowerCase().replaceAll(':', '-')}`;
}

/** The per-host menus: one per host with profiles and a MAC, in dhcp_hosts order. */
export function hostMenus(
  hosts: Reservation[],
  states: Map<string, BuildState | undefined>,
  callback: string,
): HostMenu[] {
  const menus: HostMenu[] = [];
  for (const host of hosts) {
    const profiles = hostProfiles(host);
    if (profiles.length === 0 || !host.mac) continue;
    const state = states.get(host.name);
    const profile = host.profile ?? profiles[0]!;
    const always = host.install === 'always';
    const building = state?.mode === 'build' && state.token !== undefined;
    menus.push({
      name: host.name,
      mac: host.mac,
      file: macFile(host.mac),
      profiles,
      profile,
      default: always || building ? profile : 'local',
      build: always || building,
      // A machine that reinstalls at every boot has nothing to flip back.
      done_url: building && !always ? `${callback}/${host.name}/${state.token}` : undefined,
      install: always ? 'always' : 'once',
      since: state?.since,
      done: state?.done,
    });
  }
  return menus;
}
