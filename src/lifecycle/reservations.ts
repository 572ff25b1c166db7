/**
 * Which PXE server reserves which host: the dhcp_hosts of every host of a play that runs the syslinux role
 * (the role that writes the per-host menus), as the inventory and -e give them. Read without connecting.
 */
import {selectHosts} from '../config/host-pattern.js';
import type {Inputs} from '../config/model.js';
import {renderValue} from '../config/template.js';
import {hostVars} from '../config/vars.js';
import {didYouMean} from '../config/suggest.js';
import {PxeError, PxeErrors} from '../errors.js';
import {hostProfiles, type Reservation} from './menus.js';

export interface ServerHosts {
  /** The PXE server's inventory name. */
  server: string;
  /** The play that configures it (its become and vars apply). */
  play: Inputs['playbook']['plays'][number];
  vars: Record<string, unknown>;
  reservations: Reservation[];
}

/** Every PXE server with its reservations, in inventory order; `limit` keeps only those servers. */
export function pxeServers(inputs: Inputs, limit?: Set<string>): ServerHosts[] {
  const servers = new Map<string, ServerHosts>();
  for (const play of inputs.playbook.plays) {
    if (!play.roles.some((r) => r.name === 'syslinux')) continue;
    for (const server of selectHosts(inputs.inventory, play.hosts, {strict: false})) {
      if (servers.has(server) || (limit && !limit.has(server))) continue;
      const vars = hostVars(play, server, inputs.inventory, inputs.extraVars);
      const rendered = renderValue(vars.dhcp_hosts ?? [], vars, {host: server});
      if (!Array.isArray(rendered)) {
        throw new PxeError('E_VARS', `dhcp_hosts of ${server} is not a list`, {
          where: {host: server},
          expected: 'a list of {name, mac, ip, profile}',
          hint: 'see the dhcp role',
        });
      }
      servers.set(server, {server, play, vars, reservations: rendered as Reservation[]});
    }
  }
  return [...servers.values()];
}

/** A HOST argument that names no dhcp_hosts entry of any PXE server (E_HOST, exit 3), with the nearest name. */
export function unknownReservation(name: string, servers: ServerHosts[]): PxeError {
  const known = [...new Set(servers.flatMap((s) => s.reservations.map((r) => r.name)))];
  return new PxeError(
    'E_HOST',
    `no dhcp_hosts entry named '${name}' on ${servers.map((s) => s.server).join(', ') || 'any PXE server of the playbook'}`,
    {
      where: {host: name},
      expected: `the name of a dhcp_hosts entry: ${known.join(', ') || '(none defined)'}`,
      hint:
        didYouMean(name, known) ??
        'a machine is named by its dhcp_hosts entry (name, mac, ...), not by an inventory host',
    },
  );
}

/** The servers that reserve each host to install; every unknown or unusable name is an input error, all reported together. */
export function installTargets(servers: ServerHosts[], names: string[]): Map<string, ServerHosts[]> {
  const found = new Map<string, ServerHosts[]>();
  const errors: PxeError[] = [];
  for (const name of names) {
    const holders = servers.filter((s) => s.reservations.some((r) => r.name === name));
    if (holders.length === 0) {
      errors.push(unknownReservation(name, servers));
      continue;
    }
    for (const holder of holders) {
      const entry = holder.reservations.find((r) => r.name === name)!;
      const why = !entry.mac
        ? 'it has no mac'
        : hostProfiles(entry).length === 0
          ? 'it has no profile (it boots the shared menu)'
          : entry.install === 'always'
            ? 'it installs at every boot (install: always)'
            : undefined;
      if (why) {
        errors.push(
          new PxeError('E_HOST', `${name} (dhcp_hosts of ${holder.server}) cannot be put into build mode: ${why}`, {
            where: {host: name},
            expected: 'a dhcp_hosts entry with a mac and a profile (or profiles)',
            hint: 'give it a mac and a profile in dhcp_hosts and run pxeprov up first',
          }),
        );
      }
    }
    found.set(name, holders);
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new PxeErrors(errors);
  return found;
}
