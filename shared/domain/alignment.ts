import { getDomain } from 'tldts';
import { splitAddress } from './email-address.ts';
import type { PassingIdentities } from './inbound-email.ts';

/**
 * The organisational domain (RFC 7489 §3.2): the registrable domain by the Public Suffix List,
 * private suffixes included (`a.github.io` and `b.github.io` belong to different owners).
 */
export function organisationalDomain(domain: string): string | undefined {
  const name = domain.trim().toLowerCase().replace(/\.$/, '');
  return getDomain(name, { allowPrivateDomains: true }) ?? undefined;
}

/** Relaxed alignment: both domains have the same organisational domain. */
export function domainsAlign(a: string, b: string): boolean {
  const left = organisationalDomain(a);
  return left !== undefined && left === organisationalDomain(b);
}

/** Which passing check, if any, vouches for the From address's domain (DMARC-style, relaxed). */
export type Alignment = 'spf' | 'dkim' | 'dmarc';

export function alignedCheck(from: string, passing: PassingIdentities): Alignment | undefined {
  const fromDomain = splitAddress(from)?.domain;
  if (fromDomain === undefined) return undefined;
  if (passing.dmarc !== undefined && domainsAlign(passing.dmarc, fromDomain)) return 'dmarc';
  if (passing.spf !== undefined && domainsAlign(passing.spf, fromDomain)) return 'spf';
  if (passing.dkim.some((domain) => domainsAlign(domain, fromDomain))) return 'dkim';
  return undefined;
}
