import { ID_PATTERN } from '../contracts/identifiers.ts';
import { splitAddress } from './email-address.ts';
import { THREAD_TOKEN_PATTERN } from './thread-id.ts';

export interface Route {
  projectId: string;
  userId: string;
  /** The recipient address that matched, lower-cased, sub-address included. */
  address: string;
  /** The thread token from the address's sub-address, when it carries one. */
  threadToken?: string;
}

export type RoutingResult =
  ({ ok: true } & Route) | { ok: false; reason: 'no-project-address' | 'unknown-project'; detail: string };

/** A recipient parsed as a project address `{projectId}.{userId}[+tag]@{domain}`, registered or not. */
export function projectAddressOf(recipient: string, domain: string): Route | undefined {
  const parts = splitAddress(recipient);
  if (!parts || parts.domain !== domain.toLowerCase().replace(/\.$/, '')) return undefined;
  const plus = parts.local.indexOf('+');
  const base = plus < 0 ? parts.local : parts.local.slice(0, plus);
  const tag = plus < 0 ? undefined : parts.local.slice(plus + 1);
  const [projectId, userId, ...rest] = base.split('.');
  if (projectId === undefined || userId === undefined || rest.length > 0) return undefined;
  if (!ID_PATTERN.test(projectId) || !ID_PATTERN.test(userId)) return undefined;
  const route: Route = { projectId, userId, address: `${parts.local}@${parts.domain}` };
  if (tag !== undefined && THREAD_TOKEN_PATTERN.test(tag)) route.threadToken = tag;
  return route;
}

/**
 * Picks the first recipient that is a registered project address. Recipients on other domains or
 * with other shapes are ignored; `unknown-project` means a project address was there but none is
 * registered, `no-project-address` that there was none at all.
 */
export function routeRecipients(
  recipients: readonly string[],
  domain: string,
  isRegistered: (projectId: string, userId: string) => boolean,
): RoutingResult {
  const candidates = recipients.flatMap((recipient) => projectAddressOf(recipient, domain) ?? []);
  const route = candidates.find((candidate) => isRegistered(candidate.projectId, candidate.userId));
  if (route) return { ok: true, ...route };
  if (candidates.length === 0) {
    return {
      ok: false,
      reason: 'no-project-address',
      detail: `no recipient is a project address on ${domain}`,
    };
  }
  return {
    ok: false,
    reason: 'unknown-project',
    detail: `no registered project and user for ${candidates
      .slice(0, 5)
      .map((candidate) => candidate.address)
      .join(', ')}`,
  };
}
