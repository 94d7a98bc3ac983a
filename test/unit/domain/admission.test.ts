import { describe, expect, it } from 'vitest';
import {
  admitEmail,
  decideAdmission,
  formatBytes,
  isAuthenticated,
  selectAttachments,
} from '#domain/admission.ts';
import type { InboundAttachment, InboundEmail } from '#domain/inbound-email.ts';
import type { ParseResult } from '#domain/parse-email.ts';
import { DEFAULT_LIMITS } from '#domain/project-config.ts';
import { FIXTURE_DOMAIN, FIXTURE_LIMITS, fixtureProject, fixtureRegistry } from './fixture-registry.ts';

const pass = { spam: 'PASS', virus: 'PASS', spf: 'PASS', dkim: 'PASS', dmarc: 'PASS' } as const;

function email(overrides: Partial<InboundEmail> = {}): ParseResult {
  return {
    ok: true,
    email: {
      messageId: 'm1@example.com',
      messageIdWasDerived: false,
      threadId: 't0123456789abcdef01234567',
      inReplyTo: undefined,
      references: [],
      from: 'scott@example.com',
      fromCount: 1,
      fromDisplayName: 'Scott',
      recipients: ['amelia.scott@intake.localhost'],
      subject: 'Spec',
      date: undefined,
      text: 'Build it.',
      instruction: 'Build it.',
      attachments: [],
      verdicts: { ...pass },
      passing: { spf: 'example.com', dkim: ['example.com'], dmarc: 'example.com' },
      autoReply: undefined,
      size: 1000,
      warnings: [],
      ...overrides,
    },
  };
}

function attachment(filename: string, size: number): InboundAttachment {
  return {
    filename,
    originalFilename: filename,
    contentType: 'text/plain',
    size,
    sha256: '0'.repeat(64),
    content: new Uint8Array(0),
  };
}

const project = fixtureProject();
const context = {
  domain: FIXTURE_DOMAIN,
  projectOf: (id: string) => (id === 'amelia' ? project : undefined),
};
const decide = (parse: ParseResult) => decideAdmission(parse, context);

describe('decideAdmission', () => {
  it('accepts an authenticated mail from an allowed sender to a registered address', () => {
    expect(decide(email())).toEqual({
      decision: 'accepted',
      projectId: 'amelia',
      userId: 'scott',
      address: 'amelia.scott@intake.localhost',
      attachments: [],
      dropped: [],
      notes: [],
    });
  });

  it('rejects unparseable input without a reply', () => {
    expect(decide({ ok: false, reason: 'unparseable', detail: 'x' })).toMatchObject({
      decision: 'rejected',
      reason: 'unparseable',
      replySafe: false,
    });
  });

  it('ignores auto-replies and bounces before any other check', () => {
    const bad = { verdicts: { ...pass, virus: 'FAIL' as const }, recipients: [] };
    expect(decide(email({ ...bad, autoReply: 'auto-submitted' }))).toEqual({
      decision: 'ignored',
      reason: 'auto-reply',
      detail: 'auto-reply (auto-submitted)',
    });
    for (const kind of ['delivery-report', 'mailer-daemon', 'null-sender'] as const) {
      expect(decide(email({ ...bad, autoReply: kind }))).toMatchObject({
        decision: 'ignored',
        reason: 'bounce',
      });
    }
    for (const kind of ['precedence', 'x-autoreply'] as const) {
      expect(decide(email({ autoReply: kind }))).toMatchObject({ decision: 'ignored', reason: 'auto-reply' });
    }
  });

  it('checks virus, then spam, then authentication, never offering a reply', () => {
    const verdicts = (v: Partial<InboundEmail['verdicts']>) => email({ verdicts: { ...pass, ...v } });
    expect(decide(verdicts({ virus: 'FAIL', spam: 'FAIL', spf: 'FAIL', dkim: 'FAIL' }))).toMatchObject({
      reason: 'virus',
      replySafe: false,
    });
    expect(decide(verdicts({ virus: 'GRAY' }))).toMatchObject({ reason: 'virus' });
    expect(decide(verdicts({ spam: 'FAIL', dmarc: 'FAIL' }))).toMatchObject({
      reason: 'spam',
      replySafe: false,
    });
    expect(decide(verdicts({ dmarc: 'FAIL' }))).toMatchObject({
      reason: 'failed-authentication',
      replySafe: false,
    });
    expect(decide(verdicts({ spf: 'FAIL', dkim: 'FAIL' }))).toMatchObject({
      reason: 'failed-authentication',
    });
    expect(decide(verdicts({ spf: 'NONE', dkim: 'MISSING', dmarc: 'NONE' }))).toMatchObject({
      reason: 'failed-authentication',
      detail: 'spf=NONE dkim=MISSING dmarc=NONE',
    });
    expect(decide(verdicts({ spam: 'GRAY' }))).toMatchObject({ decision: 'accepted' });
    expect(decide(verdicts({ spf: 'FAIL' }))).toMatchObject({ decision: 'accepted' });
    expect(decide(verdicts({ dkim: 'FAIL' }))).toMatchObject({ decision: 'accepted' });
  });

  it('routes before it checks the sender', () => {
    const mallory = { spf: 'evil.example', dkim: [], dmarc: undefined };
    expect(
      decide(email({ from: 'mallory@evil.example', passing: mallory, recipients: ['x@elsewhere.example'] })),
    ).toMatchObject({
      reason: 'no-project-address',
      replySafe: true,
    });
    expect(decide(email({ recipients: ['amelia.ann@intake.localhost'] }))).toMatchObject({
      reason: 'unknown-project',
      replySafe: true,
    });
  });

  it('never replies to an unaligned or automated sender (no backscatter)', () => {
    expect(
      decide(
        email({
          passing: { spf: 'bad.com', dkim: [], dmarc: undefined },
          verdicts: { ...pass, dkim: 'NONE', dmarc: 'NONE' },
        }),
      ),
    ).toMatchObject({ reason: 'failed-authentication', replySafe: false });
    const machine = { spf: 'example.com', dkim: [], dmarc: undefined };
    expect(decide(email({ from: 'no-reply@example.com', passing: machine }))).toMatchObject({
      reason: 'unauthorised-sender',
      replySafe: false,
    });
    expect(decide(email({ from: 'scott+x@example.com', passing: machine }))).toMatchObject({
      reason: 'unauthorised-sender',
      replySafe: true,
    });
  });

  it('rejects senders that are not allowed, and a missing From as malformed without a reply', () => {
    expect(
      decide(
        email({
          from: 'mallory@evil.example',
          fromDisplayName: 'scott@example.com',
          passing: { spf: 'mail.evil.example', dkim: [], dmarc: undefined },
        }),
      ),
    ).toMatchObject({
      decision: 'rejected',
      reason: 'unauthorised-sender',
      replySafe: true,
      projectId: 'amelia',
      userId: 'scott',
    });
    expect(decide(email({ from: undefined, fromCount: 0 }))).toMatchObject({
      reason: 'malformed',
      replySafe: false,
    });
  });

  it('rejects a whole message over maxEmailBytes, and one with nothing to do', () => {
    expect(decide(email({ size: FIXTURE_LIMITS.maxEmailBytes + 1 }))).toMatchObject({
      reason: 'too-large',
      replySafe: true,
    });
    expect(decide(email({ size: FIXTURE_LIMITS.maxEmailBytes }))).toMatchObject({ decision: 'accepted' });
    expect(decide(email({ instruction: '  \n', text: '> quoted' }))).toMatchObject({
      reason: 'empty',
      replySafe: true,
    });
    expect(decide(email({ instruction: '', attachments: [attachment('spec.md', 10)] }))).toMatchObject({
      decision: 'accepted',
    });
  });

  it('counts a mail whose only attachments were dropped as empty', () => {
    const parse = email({
      instruction: '',
      attachments: [attachment('huge.bin', FIXTURE_LIMITS.maxAttachmentBytes + 1)],
    });
    expect(decide(parse)).toMatchObject({ reason: 'empty' });
  });

  it('drops attachments over the limits with notes and still accepts', () => {
    const outcome = decide(
      email({
        attachments: [
          attachment('a.txt', 10),
          attachment('huge.bin', FIXTURE_LIMITS.maxAttachmentBytes + 1),
          attachment('b.txt', 10),
          attachment('c.txt', 10),
          attachment('d.txt', 10),
        ],
      }),
    );
    expect(outcome).toMatchObject({
      decision: 'accepted',
      attachments: [
        { filename: 'a.txt', index: 0 },
        { filename: 'b.txt', index: 2 },
        { filename: 'c.txt', index: 3 },
      ],
      dropped: [
        { filename: 'huge.bin', reason: 'too-large', index: 1 },
        { filename: 'd.txt', reason: 'too-many', index: 4 },
      ],
      notes: [
        '"huge.bin" (16.0 KiB) was dropped: larger than the 16.0 KiB limit per attachment',
        '"d.txt" (10 B) was dropped: only 3 attachments are kept',
      ],
    });
  });
});

describe('selectAttachments', () => {
  it('keeps attachments in order until the total would pass the limit', () => {
    const limits = { ...DEFAULT_LIMITS, maxAttachmentBytes: 100, maxTotalAttachmentBytes: 150 };
    const { kept, dropped } = selectAttachments(
      [attachment('a', 100), attachment('b', 60), attachment('c', 50)],
      limits,
    );
    expect(kept.map((a) => a.filename)).toEqual(['a', 'c']);
    expect(dropped).toMatchObject([{ filename: 'b', reason: 'total-too-large' }]);
    expect(
      decideAdmission(email({ attachments: [attachment('a', 100), attachment('b', 60)] }), {
        ...context,
        projectOf: () => ({ ...project, settings: { ...project.settings, limits } }),
      }),
    ).toMatchObject({ notes: ['"b" (60 B) was dropped: attachments may total 150 B'] });
  });
});

describe('admitEmail', () => {
  it('looks up only the projects the recipients name', async () => {
    const registry = fixtureRegistry();
    const asked: string[] = [];
    const spy = { get: (id: string) => (asked.push(id), registry.get(id)) };
    const parse = email({
      recipients: ['x@example.com', 'amelia.scott@intake.localhost', 'amelia.ann@intake.localhost'],
    });
    expect(await admitEmail(parse, { domain: FIXTURE_DOMAIN, registry: spy })).toMatchObject({
      decision: 'accepted',
    });
    expect(asked).toEqual(['amelia']);
    expect(
      await admitEmail(
        { ok: false, reason: 'unparseable', detail: '' },
        { domain: FIXTURE_DOMAIN, registry: spy },
      ),
    ).toMatchObject({
      reason: 'unparseable',
    });
  });
});

describe('helpers', () => {
  it('isAuthenticated needs SPF or DKIM and no DMARC failure', () => {
    expect(isAuthenticated({ ...pass, spf: 'FAIL' })).toBe(true);
    expect(isAuthenticated({ ...pass, spf: 'GRAY', dkim: 'NONE' })).toBe(false);
    expect(isAuthenticated({ ...pass, dmarc: 'FAIL' })).toBe(false);
  });

  it('formats sizes', () => {
    expect([formatBytes(5), formatBytes(2048), formatBytes(3 * 1024 * 1024)]).toEqual([
      '5 B',
      '2.0 KiB',
      '3.0 MiB',
    ]);
  });
});
