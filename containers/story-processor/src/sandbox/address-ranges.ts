import { BlockList, isIPv4 } from 'node:net';

/** Address ranges a sandboxed command never reaches through the egress proxy, by what they are. */
const RANGES: ReadonlyArray<[label: string, family: 'ipv4' | 'ipv6', network: string, prefix: number]> = [
  ['cloud metadata', 'ipv4', '169.254.169.254', 32],
  ['cloud metadata', 'ipv6', 'fd00:ec2::254', 128],
  ['loopback', 'ipv4', '127.0.0.0', 8],
  ['loopback', 'ipv6', '::1', 128],
  ['unspecified', 'ipv4', '0.0.0.0', 8],
  ['unspecified', 'ipv6', '::', 128],
  ['private', 'ipv4', '10.0.0.0', 8],
  ['private', 'ipv4', '172.16.0.0', 12],
  ['private', 'ipv4', '192.168.0.0', 16],
  ['private', 'ipv4', '100.64.0.0', 10], // carrier-grade NAT, used inside VPCs too
  ['private', 'ipv4', '192.0.0.0', 24],
  ['private', 'ipv4', '198.18.0.0', 15],
  ['private', 'ipv6', 'fc00::', 7],
  ['link-local', 'ipv4', '169.254.0.0', 16],
  ['link-local', 'ipv6', 'fe80::', 10],
  ['multicast or reserved', 'ipv4', '224.0.0.0', 3],
  ['multicast', 'ipv6', 'ff00::', 8],
  ['translated', 'ipv6', '64:ff9b::', 96],
];

const lists = new Map<string, BlockList>();
for (const [label, family, network, prefix] of RANGES) {
  const list = lists.get(label) ?? new BlockList();
  list.addSubnet(network, prefix, family);
  lists.set(label, list);
}

/**
 * What kind of internal address `address` is (`loopback`, `private`, `cloud metadata`, …), or
 * undefined for a public one. An IPv4-mapped IPv6 address counts as its IPv4 address.
 */
export function internalRangeOf(address: string): string | undefined {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  const [value, family] = mapped
    ? [mapped, 'ipv4' as const]
    : [address, isIPv4(address) ? ('ipv4' as const) : ('ipv6' as const)];
  for (const [label, list] of lists) if (list.check(value, family)) return label;
  return undefined;
}
