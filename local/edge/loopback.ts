import { isIP } from 'node:net';

/** A host name or address that can only ever mean this machine. */
export function isLoopbackHost(host: string): boolean {
  const name = host
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '');
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  if (isIP(name) === 4) return name.startsWith('127.');
  if (isIP(name) === 6) return name === '::1' || /^::ffff:127\./.test(name);
  return false;
}

/** Splits a Host header value into name and port (undefined when absent). */
export function parseHostHeader(value: string): { name: string; port: number | undefined } | undefined {
  const match = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::(\d{1,5}))?$/i.exec(value.trim());
  if (!match?.[1]) return undefined;
  return { name: match[1], port: match[2] === undefined ? undefined : Number(match[2]) };
}

/**
 * True when a request's Host names this endpoint: a loopback name with the port it listens on.
 * Anything else is a page that had a name of its own resolve to 127.0.0.1 (DNS rebinding).
 */
export function isOwnHost(value: string | undefined, port: number): boolean {
  const host = value === undefined ? undefined : parseHostHeader(value);
  return host !== undefined && isLoopbackHost(host.name) && (host.port ?? 80) === port;
}

/** Refuses, before anything binds, to serve on an address other machines can reach. */
export function assertLoopbackHost(host: string): void {
  if (!isLoopbackHost(host)) {
    throw new Error(
      `${host} is not a loopback address: the local runtime serves this machine only (use 127.0.0.1, ::1 or localhost)`,
    );
  }
}
