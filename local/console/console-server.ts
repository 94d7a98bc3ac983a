import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { apiRoutes, errorResponse } from './api-routes.ts';
import { ConsoleData, type ConsoleClients, type ConsoleConfig } from './console-data.ts';
import { LiveUpdates, type ExecutionEventSource } from './live-updates.ts';
import { listStaticFiles, readStaticFile } from './static-files.ts';

export interface ConsoleOptions {
  /** A loopback address; the console has no authentication, so nothing else is accepted. Default 127.0.0.1. */
  host?: string;
  /** Default 0: a free port. */
  port?: number;
  clients: ConsoleClients;
  config: ConsoleConfig;
  /** The runtime's data folder, where the outbox lives. */
  dataDir: string;
  /** Live changes straight from the in-process service; without it the console polls the API. */
  stepFunctions?: ExecutionEventSource;
  /** Polling interval when `stepFunctions` is not given. Default 1000 ms. */
  pollIntervalMs?: number;
}

export interface ConsoleServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1']);

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

/** Serves the console page and its JSON and event-stream endpoints on a loopback address. */
export async function startConsole(options: ConsoleOptions): Promise<ConsoleServer> {
  const host = options.host ?? '127.0.0.1';
  if (!isLoopback(host)) throw new Error(`the console listens on loopback only, not on ${host}`);
  const data = new ConsoleData(options.clients, options.config, options.dataDir);
  const routes = apiRoutes(data);
  const files = await listStaticFiles();
  const live = new LiveUpdates(
    data,
    options.config.stateMachineArn,
    options.stepFunctions,
    options.pollIntervalMs ?? 1000,
  );

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    // A page on another site could reach a loopback port through DNS rebinding; its Host gives it away.
    if (!isLoopback(hostnameOf(req.headers.host))) return sendJson(res, 403, { error: 'Forbidden' });
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return sendJson(res, 405, { error: 'MethodNotAllowed' });
    }
    const url = new URL(req.url ?? '/', 'http://console.invalid');
    if (url.pathname === '/api/events') return live.subscribe(res);
    const route = routes.get(url.pathname);
    if (route) {
      try {
        return sendJson(res, 200, await route(url.searchParams));
      } catch (error) {
        const { status, body } = errorResponse(error);
        return sendJson(res, status, body);
      }
    }
    const file = files.get(url.pathname);
    if (!file) return sendJson(res, 404, { error: 'NotFound' });
    const body = await readStaticFile(file);
    res.writeHead(200, { 'Content-Type': file.contentType, 'Cache-Control': 'no-cache' });
    res.end(req.method === 'HEAD' ? undefined : body);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) sendJson(res, 500, { error: 'InternalError' });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  return {
    url: `http://${urlHost}:${port}/`,
    port,
    async stop() {
      live.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify(body));
}

function hostnameOf(hostHeader: string | undefined): string {
  if (!hostHeader) return '';
  if (hostHeader.startsWith('[')) return hostHeader.slice(1, hostHeader.indexOf(']'));
  return hostHeader.replace(/:\d+$/, '');
}

function isLoopback(host: string): boolean {
  return LOOPBACK_HOSTS.has(host) || /^127(\.\d{1,3}){3}$/.test(host);
}
