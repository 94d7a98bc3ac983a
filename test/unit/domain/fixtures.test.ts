import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { admitEmail } from '#domain/admission.ts';
import type { InboundEmail } from '#domain/inbound-email.ts';
import { parseEmail } from '#domain/parse-email.ts';
import { FIXTURE_DOMAIN, fixtureRegistry } from './fixture-registry.ts';

const dir = fileURLToPath(new URL('../../fixtures/emails/', import.meta.url));

interface ParsedExpectation {
  messageId?: string;
  messageIdWasDerived?: boolean;
  threadId?: string;
  inReplyTo?: string;
  references?: string[];
  from?: string;
  fromDisplayName?: string;
  recipients?: string[];
  subject?: string;
  subjectLength?: number;
  subjectStartsWith?: string;
  attachments?: string[];
  attachmentTypes?: string[];
  textIncludes?: string[];
  textExcludes?: string[];
  instructionIncludes?: string[];
  instructionExcludes?: string[];
  warningsInclude?: string[];
  autoReply?: string;
  verdicts?: InboundEmail['verdicts'];
}

interface Expectation {
  decision: 'accepted' | 'rejected' | 'ignored';
  reason?: string;
  replySafe?: boolean;
  projectId?: string;
  userId?: string;
  address?: string;
  kept?: string[];
  dropped?: string[];
  notesInclude?: string[];
  detailIncludes?: string[];
  parsed?: ParsedExpectation;
}

const expectations = JSON.parse(readFileSync(`${dir}expected.json`, 'utf8')) as Record<string, Expectation>;
const fixtures = readdirSync(dir).filter((name) => name.endsWith('.eml'));
const registry = fixtureRegistry();

describe('email corpus', () => {
  it('has at least 25 fixtures, each with an expected outcome and each expectation with a file', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(25);
    expect(fixtures.filter((name) => !(name in expectations))).toEqual([]);
    expect(Object.keys(expectations).filter((name) => !fixtures.includes(name))).toEqual([]);
  });

  it.each(Object.entries(expectations))('%s', async (name, expected) => {
    const parse = await parseEmail(readFileSync(`${dir}${name}`), { domain: FIXTURE_DOMAIN });
    const outcome = await admitEmail(parse, { domain: FIXTURE_DOMAIN, registry });

    expect(outcome.decision).toBe(expected.decision);
    if (outcome.decision !== 'accepted') expect(outcome.reason).toBe(expected.reason);
    if (outcome.decision === 'rejected') {
      expect(outcome.replySafe).toBe(expected.replySafe);
      for (const part of expected.detailIncludes ?? []) expect(outcome.detail).toContain(part);
    }
    if (expected.projectId !== undefined)
      expect(outcome).toMatchObject({ projectId: expected.projectId, userId: expected.userId });
    if (outcome.decision === 'accepted') {
      if (expected.address !== undefined) expect(outcome.address).toBe(expected.address);
      expect(outcome.attachments.map((a) => a.filename)).toEqual(expected.kept ?? []);
      expect(outcome.dropped.map((a) => a.filename)).toEqual(expected.dropped ?? []);
      expect(outcome.notes).toHaveLength(outcome.dropped.length);
      for (const part of expected.notesInclude ?? []) expect(outcome.notes.join('\n')).toContain(part);
    }

    if (!expected.parsed) return;
    if (!parse.ok) throw new Error(`expected ${name} to parse: ${parse.detail}`);
    checkParsed(parse.email, expected.parsed);
  });
});

function checkParsed(email: InboundEmail, expected: ParsedExpectation): void {
  const { attachments, attachmentTypes, subjectLength, subjectStartsWith, ...rest } = expected;
  const exact = Object.fromEntries(
    Object.entries(rest).filter(([key]) => !/Includes$|Excludes$|Include$/.test(key)),
  ) as Partial<InboundEmail>;
  expect(email).toMatchObject(exact);
  if (attachments) expect(email.attachments.map((a) => a.filename)).toEqual(attachments);
  if (attachmentTypes) expect(email.attachments.map((a) => a.contentType)).toEqual(attachmentTypes);
  if (subjectLength !== undefined) expect(Array.from(email.subject)).toHaveLength(subjectLength);
  if (subjectStartsWith !== undefined) expect(email.subject.startsWith(subjectStartsWith)).toBe(true);
  for (const part of expected.textIncludes ?? []) expect(email.text).toContain(part);
  for (const part of expected.textExcludes ?? []) expect(email.text).not.toContain(part);
  for (const part of expected.instructionIncludes ?? []) expect(email.instruction).toContain(part);
  for (const part of expected.instructionExcludes ?? []) expect(email.instruction).not.toContain(part);
  for (const part of expected.warningsInclude ?? []) expect(email.warnings.join('\n')).toContain(part);
  // Invariants that hold for every parsed fixture.
  // eslint-disable-next-line no-control-regex -- asserting control characters are gone
  expect(email.subject).not.toMatch(/[\r\n\u0000]/);
  expect(email.text).not.toContain('\u0000');
  expect(email.threadId).toMatch(/^t[0-9a-f]{24}$/);
  for (const attachment of email.attachments) {
    // eslint-disable-next-line no-control-regex -- asserting control characters are gone
    expect(attachment.filename).not.toMatch(/[/\\\u0000-\u001f\u202a-\u202e\u2066-\u2069]|^\./);
    expect(attachment.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(attachment.size).toBe(attachment.content.length);
  }
}

describe('hostile bytes', () => {
  it('never throws on random or truncated input', async () => {
    let seed = 42;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const samples: Uint8Array[] = [new Uint8Array(0), new Uint8Array([0]), new Uint8Array([13, 10, 13, 10])];
    for (let i = 0; i < 60; i++) {
      samples.push(
        Uint8Array.from({ length: Math.floor(random() * 2048) }, () => Math.floor(random() * 256)),
      );
    }
    // Real messages cut at random points, and with random bytes flipped.
    for (const name of fixtures.slice(0, 20)) {
      const bytes = readFileSync(`${dir}${name}`);
      samples.push(bytes.subarray(0, Math.floor(random() * bytes.length)));
      const flipped = Uint8Array.from(bytes);
      for (let j = 0; j < 20; j++)
        flipped[Math.floor(random() * flipped.length)] = Math.floor(random() * 256);
      samples.push(flipped);
    }
    samples.push(
      new TextEncoder().encode(
        `Subject: ${'\u202e'.repeat(5000)}\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n`,
      ),
    );
    for (const sample of samples) {
      const parse = await parseEmail(sample, { domain: FIXTURE_DOMAIN });
      const outcome = await admitEmail(parse, { domain: FIXTURE_DOMAIN, registry });
      expect(['accepted', 'rejected', 'ignored']).toContain(outcome.decision);
    }
  });
});
