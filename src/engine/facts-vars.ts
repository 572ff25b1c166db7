/** Facts as Ansible users know them (hostVars injects them as ansible_facts and ansible_*). */
import type {Vars} from '../config/model.js';
import type {Facts} from '../transport/types.js';

const OS_NAMES: Record<string, string> = {
  debian: 'Debian',
  ubuntu: 'Ubuntu',
  raspbian: 'Debian',
  linuxmint: 'Linux Mint',
};

function ipv4Fact(cidr: string | undefined): Vars | undefined {
  if (!cidr) return undefined;
  const [address, prefix] = cidr.split('/');
  const bits = Number(prefix ?? 32);
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  const octets = (n: number) => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');
  const ip = address!.split('.').reduce((acc, part) => ((acc << 8) | Number(part)) >>> 0, 0);
  return {address, netmask: octets(mask), network: octets((ip & mask) >>> 0), prefix: String(bits)};
}

export function ansibleFacts(facts: Facts): Vars {
  const family = facts.os.id === 'debian' || facts.os.idLike.includes('debian') ? 'Debian' : facts.os.id;
  const result: Vars = {
    distribution: OS_NAMES[facts.os.id] ?? facts.os.id,
    distribution_release: facts.os.codename,
    distribution_version: facts.os.versionId,
    distribution_major_version: facts.os.versionId.split('.')[0],
    os_family: family,
    architecture: facts.arch,
    kernel: facts.kernel,
    hostname: facts.hostname,
    service_mgr: facts.init === 'sysvinit' ? 'sysvinit' : facts.init,
    interfaces: facts.interfaces.map((i) => i.name),
    default_ipv4: facts.defaultRoute
      ? {
          interface: facts.defaultRoute.iface,
          gateway: facts.defaultRoute.gateway,
          ...ipv4Fact(facts.interfaces.find((i) => i.name === facts.defaultRoute!.iface)?.ipv4[0]),
        }
      : {},
    user_id: facts.user,
  };
  for (const iface of facts.interfaces) {
    result[iface.name.replace(/[^A-Za-z0-9_]/g, '_')] = {
      device: iface.name,
      macaddress: iface.mac,
      active: iface.up,
      ipv4: ipv4Fact(iface.ipv4[0]),
      ipv4_secondaries: iface.ipv4.slice(1).map(ipv4Fact),
      ipv6: iface.ipv6.map((cidr) => ({address: cidr.split('/')[0], prefix: cidr.split('/')[1]})),
    };
  }
  return result;
}
