/**
 * The three owners of an interface's configuration on Debian/Ubuntu, each as the files it needs and
 * the commands that bring them live. Pure: rendering is tested with data.
 */
import {createRequire} from 'node:module';

// yaml loads only when a netplan file holds a value it must quote: every PXE run renders the netplan
// candidate, and loading the library costs more than the rest of the network task.
const require = createRequire(import.meta.url);
const stringify = (value: unknown): string => (require('yaml') as typeof import('yaml')).stringify(value);

/** A string the yaml library writes as is (no quotes): names and addresses, not a number, bool or null. */
const PLAIN = /^[A-Za-z0-9_][A-Za-z0-9_./:-]*$/;
const NOT_PLAIN =
  /^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|0x[0-9a-fA-F]+|0o[0-7]+|y|yes|n|no|true|false|on|off|null)$|:$/i;
const plain = (text: string) => PLAIN.test(text) && !NOT_PLAIN.test(text);

/** The netplan document, as yaml.stringify writes it. */
function netplanYaml(want: StaticAddress): string {
  const values = [want.iface, want.address, ...(want.gateway ? [want.gateway] : []), ...want.dns];
  if (!values.every(plain)) {
    return stringify({
      network: {
        version: 2,
        ethernets: {
          [want.iface]: {
            dhcp4: false,
            dhcp6: false,
            addresses: [want.address],
            ...(want.gateway ? {routes: [{to: 'default', via: want.gateway}]} : {}),
            ...(want.dns.length ? {nameservers: {addresses: want.dns}} : {}),
          },
        },
      },
    });
  }
  return [
    'network:',
    '  version: 2',
    '  ethernets:',
    `    ${want.iface}:`,
    '      dhcp4: false',
    '      dhcp6: false',
    '      addresses:',
    `        - ${want.address}`,
    ...(want.gateway ? ['      routes:', '        - to: default', `          via: ${want.gateway}`] : []),
    ...(want.dns.length
      ? ['      nameservers:', '        addresses:', ...want.dns.map((dns) => `          - ${dns}`)]
      : []),
    '',
  ].join('\n');
}

export type BackendName = 'netplan' | 'ifupdown' | 'NetworkManager';

export interface StaticAddress {
  iface: string;
  /** CIDR, e.g. 192.168.1.20/24. */
  address: string;
  gateway?: string;
  dns: string[];
}

export interface WantedFile {
  path: string;
  content: string;
  mode: number;
}

export interface Backend {
  name: BackendName;
  files(want: StaticAddress): WantedFile[];
  /** Commands that make the files live, in order. */
  activate(want: StaticAddress): string[][];
}

export const netplan: Backend = {
  name: 'netplan',
  files: (want) => [
    {
      path: `/etc/netplan/60-pxeprov-${want.iface}.yaml`,
      mode: 0o600,
      content: '# Managed by pxeprov: the static address of the PXE interface.\n' + netplanYaml(want),
    },
  ],
  activate: () => [
    ['netplan', 'generate'],
    ['netplan', 'apply'],
  ],
};

export const IFUPDOWN_SOURCE = 'source /etc/network/interfaces.d/*';

export const ifupdown: Backend = {
  name: 'ifupdown',
  files: (want) => [
    {
      path: `/etc/network/interfaces.d/pxeprov-${want.iface}`,
      mode: 0o644,
      content: [
        '# Managed by pxeprov: the static address of the PXE interface.',
        `auto ${want.iface}`,
        `iface ${want.iface} inet static`,
        `    address ${want.address}`,
        ...(want.gateway ? [`    gateway ${want.gateway}`] : []),
        ...(want.dns.length ? [`    dns-nameservers ${want.dns.join(' ')}`] : []),
        '',
      ].join('\n'),
    },
  ],
  activate: (want) => [
    ['ifdown', '--force', want.iface],
    ['ifup', want.iface],
  ],
};

export const networkManager: Backend = {
  name: 'NetworkManager',
  files: (want) => [
    {
      path: `/etc/NetworkManager/system-connections/pxeprov-${want.iface}.nmconnection`,
      mode: 0o600,
      content: [
        '# Managed by pxeprov: the static address of the PXE interface.',
        '[connection]',
        `id=pxeprov-${want.iface}`,
        'type=ethernet',
        `interface-name=${want.iface}`,
        'autoconnect=true',
        '',
        '[ipv4]',
        'method=manual',
        `address1=${want.address}${want.gateway ? `,${want.gateway}` : ''}`,
        ...(want.dns.length ? [`dns=${want.dns.join(';')};`] : []),
        '',
        '[ipv6]',
        'method=ignore',
        '',
      ].join('\n'),
    },
  ],
  activate: (want) => [
    ['nmcli', 'connection', 'reload'],
    ['nmcli', 'connection', 'up', `pxeprov-${want.iface}`],
  ],
};

/** With ifupdown owning the interface, NetworkManager is told to leave it alone so the two do not fight. */
export function nmUnmanagedFile(iface: string): WantedFile {
  return {
    path: `/etc/NetworkManager/conf.d/pxeprov-unmanaged-${iface}.conf`,
    mode: 0o644,
    // += appends to the list other conf.d files set: a plain = would make their interfaces managed again.
    content: `# Managed by pxeprov: ifupdown owns ${iface}.\n[keyfile]\nunmanaged-devices+=interface-name:${iface}\n`,
  };
}

export const backends: Record<BackendName, Backend> = {netplan, ifupdown, NetworkManager: networkManager};
