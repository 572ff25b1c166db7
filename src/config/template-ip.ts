/**
 * Ansible's IP filters (ansible.utils.ipaddr and friends) over ipaddr.js: subnet math for DHCP and
 * PXE configs. Queries follow Ansible's: ipaddr('network'), ipaddr('netmask'), ipaddr(5), nthhost(5)…
 * An invalid value gives false, as in Ansible, so `x | ipaddr` works as a test.
 */
import ipaddr from 'ipaddr.js';

type Addr = ipaddr.IPv4 | ipaddr.IPv6;

interface Net {
  addr: Addr;
  prefix: number;
  /** Whether the value had an explicit /prefix. */
  cidr: boolean;
}

function parseNet(value: unknown): Net | undefined {
  if (typeof value !== 'string') return undefined;
  const [ip, mask, extra] = value.trim().split('/');
  if (extra !== undefined || !ip || !ipaddr.isValid(ip)) return undefined;
  const addr = ipaddr.parse(ip);
  const bits = addr.kind() === 'ipv4' ? 32 : 128;
  if (mask === undefined) return {addr, prefix: bits, cidr: false};
  let prefix: number | null = /^\d+$/.test(mask) ? Number(mask) : null;
  if (prefix === null && ipaddr.IPv4.isValidFourPartDecimal(mask))
    prefix = ipaddr.IPv4.parse(mask).prefixLengthFromSubnetMask();
  if (prefix === null || prefix > bits) return undefined;
  return {addr, prefix, cidr: true};
}

function toBig(addr: Addr): bigint {
  return addr.toByteArray().reduce((n, b) => (n << 8n) | BigInt(b), 0n);
}

function fromBig(n: bigint, kind: string): Addr {
  const bytes: number[] = [];
  for (let i = 0; i < (kind === 'ipv4' ? 4 : 16); i++, n >>= 8n) bytes.unshift(Number(n & 0xffn));
  return ipaddr.fromByteArray(bytes);
}

function bitsOf(net: Net): number {
  return net.addr.kind() === 'ipv4' ? 32 : 128;
}

function network(net: Net): bigint {
  const hostBits = BigInt(bitsOf(net) - net.prefix);
  return (toBig(net.addr) >> hostBits) << hostBits;
}

function size(net: Net): bigint {
  return 1n << BigInt(bitsOf(net) - net.prefix);
}

function nth(net: Net, n: number): Addr | undefined {
  const count = size(net);
  const index = n < 0 ? count + BigInt(n) : BigInt(n);
  if (index < 0n || index >= count) return undefined;
  return fromBig(network(net) + index, net.addr.kind());
}

function str(a: Addr): string {
  return a.toString();
}

function usable(net: Net): [Addr, Addr] {
  const kind = net.addr.kind();
  const small = bitsOf(net) - net.prefix < 2 || kind === 'ipv6';
  const first = network(net) + (small ? 0n : 1n);
  const last = network(net) + size(net) - (small ? 1n : 2n);
  return [fromBig(first, kind), fromBig(last, kind)];
}

function query(net: Net, q: unknown): unknown {
  const kind = net.addr.kind();
  const netAddr = fromBig(network(net), kind);
  if (typeof q === 'number' || (typeof q === 'string' && /^-?\d+$/.test(q))) {
    const a = nth(net, Number(q));
    return a ? `${str(a)}/${net.prefix}` : false;
  }
  switch (q) {
    case undefined:
    case '':
      return true;
    case 'address':
      return str(net.addr);
    case 'network':
      return str(netAddr);
    case 'netmask':
      return str(fromBig(((1n << BigInt(net.prefix)) - 1n) << BigInt(bitsOf(net) - net.prefix), kind));
    case 'hostmask':
      return str(fromBig(size(net) - 1n, kind));
    case 'broadcast':
      return kind === 'ipv4' ? str(fromBig(network(net) + size(net) - 1n, kind)) : false;
    case 'prefix':
      return net.prefix;
    case 'size':
      return Number(size(net));
    case 'host':
      return net.prefix === bitsOf(net) || toBig(net.addr) !== network(net) ? `${str(net.addr)}/${net.prefix}` : false;
    case 'net':
      return net.cidr && toBig(net.addr) === network(net) ? `${str(netAddr)}/${net.prefix}` : false;
    case 'subnet':
    case 'cidr':
    case 'network/prefix':
      return `${str(netAddr)}/${net.prefix}`;
    case 'host/prefix':
    case 'address/prefix':
      return `${str(net.addr)}/${net.prefix}`;
    case 'first_usable':
      return str(usable(net)[0]);
    case 'last_usable':
      return str(usable(net)[1]);
    case 'range_usable':
      return usable(net).map(str).join('-');
    case 'private':
      return ['private', 'uniqueLocal', 'linkLocal', 'loopback'].includes(net.addr.range()) ? true : false;
    case 'public':
      return net.addr.range() === 'unicast' ? true : false;
    case 'ipv4':
    case 'ipv6':
      return kind === q;
    case 'int':
      return Number(toBig(net.addr));
    case 'revdns':
      return kind === 'ipv4'
        ? `${net.addr.toByteArray().reverse().join('.')}.in-addr.arpa.`
        : `${[...(net.addr as ipaddr.IPv6).parts.map((p) => p.toString(16).padStart(4, '0')).join('')].reverse().join('.')}.ip6.arpa.`;
    default:
      throw new Error(
        `ipaddr('${String(q)}') is not a known query (address, network, netmask, broadcast, prefix, size, host, net, subnet, first_usable, last_usable, range_usable, a number…)`,
      );
  }
}

/** Apply a query; true means "the value itself" (Ansible returns the input when the query only checks it). */
function ipFilter(value: unknown, q?: unknown, version?: 'ipv4' | 'ipv6'): unknown {
  if (Array.isArray(value)) return value.map((v) => ipFilter(v, q, version)).filter((v) => v !== false);
  const net = parseNet(value);
  if (!net || (version && net.addr.kind() !== version)) return false;
  const result = query(net, q);
  return result === true ? value : result;
}

export const ipFilters = {
  ipaddr: (value: unknown, q?: unknown) => ipFilter(value, q),
  ipv4: (value: unknown, q?: unknown) => ipFilter(value, q, 'ipv4'),
  ipv6: (value: unknown, q?: unknown) => ipFilter(value, q, 'ipv6'),
  nthhost: (value: unknown, n: number) => {
    const net = parseNet(value);
    const a = net && nth(net, Number(n));
    return a ? str(a) : false;
  },
  ipmath: (value: unknown, n: number) => {
    const net = parseNet(value);
    return net ? str(fromBig(toBig(net.addr) + BigInt(n), net.addr.kind())) : false;
  },
  network_in_network: (outer: unknown, inner: unknown) => {
    const [a, b] = [parseNet(outer), parseNet(inner)];
    if (!a || !b || a.addr.kind() !== b.addr.kind() || b.prefix < a.prefix) return false;
    return network({...b, prefix: a.prefix}) === network(a);
  },
  network_in_usable: (outer: unknown, inner: unknown) => {
    const [a, b] = [parseNet(outer), parseNet(inner)];
    if (!a || !b || a.addr.kind() !== b.addr.kind()) return false;
    const [first, last] = usable(a).map(toBig) as [bigint, bigint];
    return toBig(b.addr) >= first && toBig(b.addr) <= last;
  },
};

export const ipTests = {
  ipaddr: (value: unknown) => parseNet(value) !== undefined,
  ipv4_address: (value: unknown) => parseNet(value)?.addr.kind() === 'ipv4',
  ipv6_address: (value: unknown) => parseNet(value)?.addr.kind() === 'ipv6',
  ip_address: (value: unknown) => parseNet(value) !== undefined,
};
