import { lookup as dnsLookup } from 'node:dns/promises';
import {
  createServer,
  request,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type Server,
  type ServerResponse,
} from 'node:http';
import { connect, isIP, type AddressInfo, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { matchNetworkAllowRule, type NetworkAllowRule } from '#contracts/network-allow.ts';
import type { Log } from '../ports.ts';
import { internalRangeOf } from './address-ranges.ts';

/** Resolves a host name to its addresses (the system resolver by default). */
export type HostLookup = (host: string) => Promise<Array<{ address: string; family: number }>>;

export interface EgressProxyOptions {
  rules: readonly NetworkAllowRule[];
  log: Log;
  /** Default: the system resolver (`getaddrinfo`). */
  lookup?: HostLookup;
  /** Tests only: names that resolve to loopback are let through (to a loopback test server). */
  allowLoopback?: boolean;
}

/** Where the proxy listens: a unix socket path (bwrap) or an ephemeral port on 127.0.0.1 (uid mode). */
export type EgressProxyListen = { path: string } | { port: 0 };

export interface EgressProxy {
  /** The socket path, or `127.0.0.1:<port>`. */
  address: string;
  close(): Promise<void>;
}

type Decision =
  { allowed: true; address: string; rule: NetworkAllowRule } | { allowed: false; reason: string };

const systemLookup: HostLookup = (host) => dnsLookup(host, { all: true, verbatim: true });

/**
 * An HTTP proxy (CONNECT tunnels and absolute-URI requests) that lets a sandboxed command reach only
 * the project's `host:port` allowlist. It decides by name and port before any lookup, refuses IP
 * literals, then refuses names that resolve to an internal address (loopback, private, link-local,
 * cloud metadata) and connects to the address it checked, so a second lookup cannot swap it.
 */
export function startEgressProxy(
  options: EgressProxyOptions,
  listen: EgressProxyListen,
): Promise<EgressProxy> {
  const lookup = options.lookup ?? systemLookup;
  const open = new Set<Socket | Duplex>();
  const track = (socket: Socket | Duplex): void => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  };

  async function decide(host: string, port: number): Promise<Decision> {
    const bare = host.replace(/^\[|\]$/g, '');
    if (isIP(bare) !== 0)
      return { allowed: false, reason: `"${bare}" is an IP address; the sandbox reaches named hosts only` };
    const rule = matchNetworkAllowRule(options.rules, bare, port);
    if (!rule) {
      const listed = options.rules.map((allowed) => allowed.text).join(', ');
      return {
        allowed: false,
        reason: `"${bare}:${port}" is not on this project's sandbox.network.allow list (${listed})`,
      };
    }
    const addresses = await lookup(bare).catch((error: unknown) => {
      throw new Error(
        `"${bare}" did not resolve (${error instanceof Error ? error.message : String(error)})`,
      );
    });
    for (const { address } of addresses) {
      const range = internalRangeOf(address);
      if (range && !(range === 'loopback' && options.allowLoopback))
        return {
          allowed: false,
          reason: `"${bare}" (allowed by "${rule.text}") resolves to ${address}, a ${range} address the sandbox never reaches`,
        };
    }
    const first = addresses[0];
    if (!first) return { allowed: false, reason: `"${bare}" has no address` };
    return { allowed: true, address: first.address, rule };
  }

  const refuse = (host: string, port: number, reason: string): void =>
    options.log.warn('sandbox egress refused', { host, port, reason });

  const server: Server = createServer((req, res) => {
    track(req.socket);
    void forward(req, res);
  });

  async function forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let target: URL;
    try {
      target = new URL(req.url ?? '');
    } catch {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('egress proxy: absolute http:// URLs only\n');
      return;
    }
    if (target.protocol !== 'http:') {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('egress proxy: use CONNECT for https\n');
      return;
    }
    const port = Number(target.port || 80);
    const decision = await decide(target.hostname, port).catch((error: unknown) => ({
      allowed: false as const,
      reason: error instanceof Error ? error.message : String(error),
    }));
    if (!decision.allowed) {
      refuse(target.hostname, port, decision.reason);
      res.writeHead(403, { 'content-type': 'text/plain' }).end(`egress proxy refused: ${decision.reason}\n`);
      return;
    }
    const headers: OutgoingHttpHeaders = { ...req.headers, host: target.host };
    for (const name of Object.keys(headers)) if (name.startsWith('proxy-')) delete headers[name];
    const upstream = request(
      {
        host: decision.address,
        port,
        method: req.method,
        path: `${target.pathname}${target.search}`,
        headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', (error) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`egress proxy: ${error.message}\n`);
    });
    req.pipe(upstream);
  }

  server.on('connect', (req: IncomingMessage, client: Duplex, head: Buffer) => {
    track(client);
    client.on('error', () => client.destroy());
    const match = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(req.url ?? '');
    if (!match) {
      client.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\nCONNECT host:port only\n');
      return;
    }
    const host = match[1] as string;
    const port = Number(match[2]);
    void decide(host, port)
      .catch((error: unknown) => ({
        allowed: false as const,
        reason: error instanceof Error ? error.message : String(error),
      }))
      .then((decision) => {
        if (!decision.allowed) {
          refuse(host, port, decision.reason);
          client.end(
            `HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\negress proxy refused: ${decision.reason}\n`,
          );
          return;
        }
        const upstream = connect(port, decision.address, () => {
          client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
          if (head.length > 0) upstream.write(head);
          upstream.pipe(client);
          client.pipe(upstream);
        });
        track(upstream);
        upstream.on('error', (error) => {
          if (client.writable)
            client.end(`HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\n\r\n${error.message}\n`);
          client.destroy();
        });
        client.on('close', () => upstream.destroy());
      });
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const onListening = (): void => {
      server.off('error', reject);
      const bound = server.address();
      resolve({
        address: typeof bound === 'string' ? bound : `127.0.0.1:${(bound as AddressInfo).port}`,
        close: () =>
          new Promise<void>((done) => {
            for (const socket of open) socket.destroy();
            server.close(() => done());
          }),
      });
    };
    if ('path' in listen) server.listen(listen.path, onListening);
    else server.listen(0, '127.0.0.1', onListening);
  });
}
