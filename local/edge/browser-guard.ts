import type { IncomingHttpHeaders } from 'node:http';
import { isOwnHost } from './loopback.ts';

/**
 * Why a request that a browser made for some web page is refused, or undefined for the requests
 * tools make (no Origin, no Sec-Fetch-Site) and a person's own navigation (Sec-Fetch-Site: none,
 * e.g. a presigned URL pasted in the address bar). A page elsewhere never gets to drive the edge:
 * form posts and fetches carry the page's Origin, and a Sec-Fetch-Site other than same-origin.
 */
export function browserRefusal(headers: IncomingHttpHeaders, port: number): string | undefined {
  const site = headers['sec-fetch-site'];
  const origin = headers.origin;
  if (site !== undefined && site !== 'none' && site !== 'same-origin') {
    const from = origin === undefined ? '' : `, Origin: ${origin}`;
    return `a browser request from another site (Sec-Fetch-Site: ${site}${from}) is refused`;
  }
  if (origin === undefined) return undefined;
  let host: string | undefined;
  try {
    const url = new URL(origin);
    host = url.protocol === 'http:' ? url.host : undefined;
  } catch {
    host = undefined;
  }
  if (host !== undefined && isOwnHost(host, port)) return undefined;
  return `a browser request from the page at Origin ${origin} is refused (no cross-origin access)`;
}
