import type { RawHeader } from './header-block.ts';
import type { SesVerdicts, Verdict } from './inbound-email.ts';

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
  return {
    headers: block,
    verdicts: {
      spam: sesVerdict(find('x-ses-spam-verdict')),
      virus: sesVerdict(find('x-ses-virus-verdict')),
      spf: results?.spf ?? (receivedSpf === undefined ? 'MISSING' : authVerdict(firstWord(receivedSpf))),
      dkim: results?.dkim ?? 'MISSING',
      dmarc: results?.dmarc ?? 'MISSING',
    },
  };
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

function authenticationResults(
  value: string | undefined,
): Pick<SesVerdicts, 'spf' | 'dkim' | 'dmarc'> | undefined {
  if (value === undefined) return undefined;
  const [authservId, ...resinfos] = stripComments(value).split(';');
  if (authservId?.trim().toLowerCase() !== SES_AUTHSERV_ID) return undefined;
  const found: Record<'spf' | 'dkim' | 'dmarc', Verdict[]> = { spf: [], dkim: [], dmarc: [] };
  for (const resinfo of resinfos) {
    const match = /^\s*(spf|dkim|dmarc)\s*=\s*([a-z]+)/i.exec(resinfo);
    if (!match) continue;
    const method = (match[1] ?? '').toLowerCase() as 'spf' | 'dkim' | 'dmarc';
    found[method].push(authVerdict(match[2] ?? ''));
  }
  // Several DKIM signatures: one that passes is enough (the others may be a list's or a forwarder's).
  const pick = (verdicts: Verdict[]): Verdict =>
    verdicts.includes('PASS') ? 'PASS' : (verdicts[0] ?? 'MISSING');
  return { spf: pick(found.spf), dkim: pick(found.dkim), dmarc: pick(found.dmarc) };
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
