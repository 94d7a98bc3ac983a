import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';

/** The header by which the edge proves to the emulators behind it that a request passed its checks. */
export const EDGE_TOKEN_HEADER = 'x-intake-edge-token';

export const newEdgeToken = (): string => randomBytes(24).toString('hex');

function carriesToken(req: IncomingMessage, token: Buffer): boolean {
  const given = req.headers[EDGE_TOKEN_HEADER];
  if (typeof given !== 'string') return false;
  const bytes = Buffer.from(given, 'latin1');
  return bytes.length === token.length && timingSafeEqual(bytes, token);
}

/**
 * Wraps a request listener so that it serves only requests the edge forwarded. The emulators
 * listen on loopback ports of their own, unsigned; without this a page could find one of those
 * ports and skip every check the edge makes.
 */
export function edgeOnly(token: string, listener: RequestListener): RequestListener {
  const expected = Buffer.from(token, 'latin1');
  return (req: IncomingMessage, res: ServerResponse) => {
    if (carriesToken(req, expected)) {
      listener(req, res);
      return;
    }
    res.writeHead(403, { 'content-type': 'text/plain', connection: 'close' });
    res.end('this emulator serves the local edge only; use the edge endpoint with the local credentials\n');
  };
}

/** Puts `edgeOnly` in front of the request listeners a server (e.g. dynalite's) already has. */
export function guardServer(server: Server, token: string): void {
  const listeners = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');
  for (const listener of listeners) server.on('request', edgeOnly(token, listener));
}
