import {mkdir, writeFile} from 'node:fs/promises';
import {dirname, join} from 'node:path';
import {stringify} from 'yaml';
import {LAN, type LabNames} from './names.js';
import {SSH_COMMON_ARGS} from './ssh.js';
import {hasBmcs, labMachineEntries} from './bmc.js';

/** The test ISO of a lab (`lab up` builds it), served as the `testos` install media. */
export const labIso = (n: LabNames) => join(n.stateDir, 'testos.iso');

/**
 * The inventory of one lab: Ansible's YAML format, so both pxeprov and Ansible can use it. It holds all
 * that `pxeprov up` needs for a working PXE server: the LAN, the test ISO as media, a kickstart profile.
 */
export function labInventory(n: LabNames, kind: 'nspawn' | 'vm' = 'nspawn'): Record<string, unknown> {
  return {
    all: {
      children: {
        pxe_servers: {
          hosts: {
            lab: {
              ansible_host: n.mgmtHostIp,
              ansible_user: 'root',
              ansible_ssh_private_key_file: n.keyFile,
              ansible_ssh_common_args: SSH_COMMON_ARGS.join(' '),
            },
          },
          vars: {
            pxe_iface: n.pxeIface,
            pxe_ip: LAN.serverIp,
            pxe_subnet: LAN.subnet,
            pxe_netmask: LAN.netmask,
            pxe_dhcp_range_start: LAN.rangeStart,
            pxe_dhcp_range_end: LAN.rangeEnd,
            lab_prefix: n.prefix,
            lab_client_netns: n.lanNetns,
            // The container has no network manager of its own: ifupdown (installed by the common role).
            network_backend: kind === 'vm' ? 'auto' : 'ifupdown',
            media_isos: [{name: 'testos', iso: labIso(n)}],
            pxe_profiles: [
              {name: 'ks', label: 'Install TestOS (kickstart)', media: 'testos', kind: 'kickstart'},
              {name: 'manual', label: 'Install TestOS (interactive)', media: 'testos', kind: 'manual'},
            ],
            pxe_menu_default: 'ks',
            pxe_menu_timeout: 10,
            // `lab up --bmc`: machines powered through their BMC (docs/power.md).
            ...(hasBmcs(n) ? {dhcp_hosts: labMachineEntries(n)} : {}),
          },
        },
      },
    },
  };
}

export async function writeInventory(n: LabNames, path: string, kind: 'nspawn' | 'vm' = 'nspawn'): Promise<void> {
  const header =
    `# Written by \`pxeprov lab up --prefix ${n.prefix}\`: the local lab (docs/lab.md).\n` +
    '# The lab host is disposable: its host key changes at each `lab up --fresh`, hence no known_hosts.\n';
  await mkdir(dirname(path), {recursive: true});
  await writeFile(path, header + stringify(labInventory(n, kind)));
}
