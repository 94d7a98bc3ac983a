import type { RawHeader } from './header-block.ts';
import { splitAddress } from './email-address.ts';
import type { PassingIdentities, SesVerdicts, Verdict } from './inbound-email.ts';

/** The fields SES prepends to every received message, in the order it writes them. */
const SES_FIELDS = new Set([
  'return-path',
  'received',
  'x-ses-spam-verdict',
  'x-ses-virus-verdict',
  'received-spf',
  'authentication-results',
  'x-ses-receipt',
  'x-ses-dkim-signature',
]);

const SES_AUTHSERV_ID = 'amazonses.com';

export interface SesBlock {
  verdicts: SesVerdicts;
  /** The fields that SES prepended (the topmost block). */
  headers: RawHeader[];
  /** The domains each passing check vouches for; alignment with the From domain is decided later. */
  passing: PassingIdentities;
  /** The SMTP envelope recipients, from the `for` clause of SES's `Received` field. */
  envelopeRecipients: string[];
}

/**
 * Finds the block SES prepended and reads its verdicts. The block is the run of fields at the very top
 * whose names SES writes, each at most once: the first field SES does not write, or the second
 * occurrence of a name, belongs to the sender, so a forged `X-SES-Spam-Verdict: PASS` or
 * `Authentication-Results: amazonses.com; spf=pass` further down counts for nothing.
 */
export function readSesBlock(headers: readonly RawHeader[]): SesBlock {
  const block: RawHeader[] = [];
  const seen = new Set<string>();
  for (const header of headers) {
    if (!SES_FIELDS.has(header.name) || seen.has(header.name)) break;
    seen.add(header.name);
    block.push(header);
  }
  const find = (name: string): string | undefined => block.find((header) => header.name === name)?.value;
  const results = authenticationResults(find('authentication-results'));
  const receivedSpf = find('received-spf');
  const spf = results?.spf ?? (receivedSpf === undefined ? 'MISSING' : authVerdict(firstWord(receivedSpf)));
  // The envelope domain SPF checked: Authentication-Results' smtp.mailfrom, else Received-SPF's
  // envelope-from, else the Return-Path SES wrote from MAIL FROM.
  const spfDomain =
    results?.spfDomain ??
    domainOf(/\benvelope-from=([^\s;]+)/i.exec(receivedSpf ?? '')?.[1]) ??
    domainOf(find('return-path')?.replace(/^<|>$/g, ''));
  return {
    headers: block,
    verdicts: {
      spam: sesVerdict(find('x-ses-spam-verdict')),
      virus: sesVerdict(find('x-ses-virus-verdict')),
      spf,
      dkim: results?.dkim ?? 'MISSING',
      dmarc: results?.dmarc ?? 'MISSING',
    },
    passing: {
      spf: spf === 'PASS' ? spfDomain : undefined,
      dkim: results?.dkimDomains ?? [],
      dmarc: results?.dmarc === 'PASS' ? results.dmarcDomain : undefined,
    },
    envelopeRecipients: envelopeRecipientsOf(find('received')),
  };
}

/** `… for amelia.scott@intake.localhost; <date>` (one address, or several separated by commas). */
function envelopeRecipientsOf(received: string | undefined): string[] {
  const clause = /\bfor\s+([^;]+);/i.exec(stripComments(received ?? ''))?.[1] ?? '';
  return clause.split(',').flatMap((part) => {
    const address = splitAddress(part.trim().replace(/^<|>$/g, ''));
    return address ? [`${address.local}@${address.domain}`] : [];
  });
}

/** The domain of an address (`a@b.c`, `@b.c`) or a bare domain, lower-cased. */
function domainOf(value: string | undefined): string | undefined {
  const text = value?.trim().replace(/^<|>$/g, '');
  if (!text) return undefined;
  const domain = (text.includes('@') ? text.slice(text.lastIndexOf('@') + 1) : text)
    .toLowerCase()
    .replace(/\.$/, '');
  return /^[a-z0-9.-]+$/.test(domain) && domain.includes('.') ? domain : undefined;
}

function sesVerdict(value: string | undefined): Verdict {
  if (value === undefined) return 'MISSING';
  const word = firstWord(value).toUpperCase();
  return word === 'PASS' || word === 'FAIL' || word === 'GRAY' || word === 'PROCESSING_FAILED'
    ? word
    : 'NONE';
}

/** Maps an RFC 8601 result keyword onto a verdict. */
function authVerdict(result: string): Verdict {
  switch (result.toLowerCase()) {
    case 'pass':
      return 'PASS';
    case 'fail':
      return 'FAIL';
    case 'softfail':
    case 'neutral':
    case 'policy':
      return 'GRAY';
    case 'temperror':
    case 'permerror':
      return 'PROCESSING_FAILED';
    default:
      return 'NONE';
  }
}

interface AuthenticationResults extends Pick<SesVerdicts, 'spf' | 'dkim' | 'dmarc'> {
  spfDomain: string | undefined;
  /** The `d=` (or `i=`) domains of the DKIM signatures that passed. */
  dkimDomains: string[];
  dmarcDomain: string | undefined;
}

function authenticationResults(value: string | undefined): AuthenticationResults | undefined {
  if (value === undefined) return undefined;
  const [authservId, ...resinfos] = stripComments(value).split(';');
  if (authservId?.trim().toLowerCase() !== SES_AUTHSERV_ID) return undefined;
  const found: Record<'spf' | 'dkim' | 'dmarc', Verdict[]> = { spf: [], dkim: [], dmarc: [] };
  const dkimDomains: string[] = [];
  let spfDomain: string | undefined;
  let dmarcDomain: string | undefined;
  for (const resinfo of resinfos) {
    const match = /^\s*(spf|dkim|dmarc)\s*=\s*([a-z]+)/i.exec(resinfo);
    if (!match) continue;
    const method = (match[1] ?? '').toLowerCase() as 'spf' | 'dkim' | 'dmarc';
    const verdict = authVerdict(match[2] ?? '');
    found[method].push(verdict);
    const property = (name: string): string | undefined =>
      new RegExp(`(?:^|\\s)${name.replace('.', '\\.')}=([^\\s;]+)`, 'i').exec(resinfo)?.[1];
    if (method === 'spf') spfDomain ??= domainOf(property('smtp.mailfrom'));
    if (method === 'dmarc') dmarcDomain ??= domainOf(property('header.from'));
    if (method === 'dkim' && verdict === 'PASS') {
      const domain = domainOf(property('header.d') ?? property('header.i'));
      if (domain) dkimDomains.push(domain);
    }
  }
  // Several DKIM signatures: one that passes is enough (the others may be a list's or a forwarder's).
  const pick = (verdicts: Verdict[]): Verdict =>
    verdicts.includes('PASS') ? 'PASS' : (verdicts[0] ?? 'MISSING');
  return {
    spf: pick(found.spf),
    dkim: pick(found.dkim),
    dmarc: pick(found.dmarc),
    spfDomain,
    dkimDomains,
    dmarcDomain,
  };
}

function stripComments(value: string): string {
  let previous: string;
  let current = value;
  do {
    previous = current;
    current = current.replace(/\([^()]*\)/g, ' ');
  } while (current !== previous);
  return current;
}

function firstWord(value: string): string {
  return value.trim().split(/[\s;(]/, 1)[0] ?? '';
}
