import { isIP } from 'node:net';

/**
 * One entry of a project's `sandbox.network.allow` list: `host:port`, where host is a DNS name
 * (`registry.npmjs.org`) or every subdomain of one (`*.npmjs.org`, not the bare domain). IP addresses
 * are refused: the egress proxy decides by name before any lookup, and checks what the name resolves to.
 */
export interface NetworkAllowRule {
  /** The entry as written (lower-cased), quoted in refusals. */
  text: string;
  /** The name, without the `*.` of a wildcard. */
  host: string;
  wildcard: boolean;
  port: number;
}

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** Parses one entry; answers the reason it is refused as a string. */
export function parseNetworkAllowRule(entry: string): NetworkAllowRule | string {
  const text = entry.trim().toLowerCase();
  const colon = text.lastIndexOf(':');
  if (colon < 0) return `"${entry}" needs a port, like "registry.npmjs.org:443"`;
  const name = text.slice(0, colon);
  const portText = text.slice(colon + 1);
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
  if (!(port >= 1 && port <= 65_535)) return `"${entry}" has no valid port (1–65535)`;
  const wildcard = name.startsWith('*.');
  const host = wildcard ? name.slice(2) : name;
  if (isIP(host.replace(/^\[|\]$/g, '')) !== 0 || /^[\d.]+$/.test(host))
    return `"${entry}" is an IP address; name a host (the proxy refuses IP literals)`;
  const labels = host.split('.');
  if (host.length > 253 || !labels.every((label) => LABEL.test(label)))
    return `"${entry}" is not a host name (letters, digits, "-" and dots; "*." only as a prefix)`;
  if (wildcard && labels.length < 2) return `"${entry}" would allow a whole top-level domain`;
  return { text: `${name}:${port}`, host, wildcard, port };
}

/** The first rule that allows `host:port` (host lower-cased, no trailing dot), if any. */
export function matchNetworkAllowRule(
  rules: readonly NetworkAllowRule[],
  host: string,
  port: number,
): NetworkAllowRule | undefined {
  const name = host.toLowerCase().replace(/\.$/, '');
  return rules.find(
    (rule) => rule.port === port && (rule.wildcard ? name.endsWith(`.${rule.host}`) : name === rule.host),
  );
}
