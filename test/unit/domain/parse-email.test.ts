import { describe, expect, it } from 'vitest';
import { detectAutoReply } from '#domain/auto-reply.ts';
import { readHeaderBlock } from '#domain/header-block.ts';
import { parseEmail, type ParseResult } from '#domain/parse-email.ts';
import { readSesBlock } from '#domain/ses-verdicts.ts';
import { threadIdOf } from '#domain/thread-id.ts';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text.replace(/\r?\n/g, '\r\n'));
const sesFor = (recipient: string): string =>
  [
    'Return-Path: <scott@example.com>',
    `Received: from mail.example.com by inbound-smtp.us-east-1.amazonaws.com with SMTP id x for ${recipient}; Tue, 04 Mar 2025 09:15:27 +0000`,
    'X-SES-Spam-Verdict: PASS',
    'X-SES-Virus-Verdict: PASS',
    'Received-SPF: pass (spfCheck: domain of example.com designates 1.2.3.4 as permitted sender)',
    'Authentication-Results: amazonses.com;',
    ' spf=pass (spfCheck: domain of example.com designates 1.2.3.4 as permitted sender) client-ip=1.2.3.4;',
    ' dkim=pass header.i=@example.com;',
    ' dmarc=pass header.from=example.com;',
  ].join('\n');
const SES = sesFor('amelia.scott@intake.localhost');

function message(headers: string, body = 'Build it.\n'): Uint8Array {
  return bytes(`${headers}\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n${body}`);
}

async function parsed(raw: Uint8Array, options = {}) {
  const result: ParseResult = await parseEmail(raw, options);
  if (!result.ok) throw new Error(result.detail);
  return result.email;
}

describe('parseEmail', () => {
  it('reads the core fields', async () => {
    const email = await parsed(
      message(
        `${SES}\nFrom: "Scott" <Scott@Example.com>\nTo: amelia.scott@intake.localhost\nCc: Other <other@example.com>\nDelivered-To: amelia.scott@intake.localhost\nX-Original-To: <alias.user@intake.localhost>\nSubject: Hello\nDate: Tue, 04 Mar 2025 09:15:27 +0000\nMessage-ID: <A1@Example.com>`,
      ),
    );
    expect(email).toMatchObject({
      messageId: 'A1@Example.com',
      messageIdWasDerived: false,
      threadId: threadIdOf('a1@example.com'),
      from: 'scott@example.com',
      fromDisplayName: 'Scott',
      // The envelope SES recorded; To, Cc, Delivered-To and X-Original-To are the sender's to write.
      recipients: ['amelia.scott@intake.localhost'],
      fromCount: 1,
      passing: { spf: 'example.com', dkim: ['example.com'], dmarc: 'example.com' },
      subject: 'Hello',
      date: '2025-03-04T09:15:27.000Z',
      text: 'Build it.',
      instruction: 'Build it.',
      verdicts: { spam: 'PASS', virus: 'PASS', spf: 'PASS', dkim: 'PASS', dmarc: 'PASS' },
      autoReply: undefined,
      warnings: [],
    });
  });

  it('derives the same Message-ID for the same message whatever SES prepended', async () => {
    const body = 'From: scott@example.com\nTo: amelia.scott@intake.localhost\nSubject: no id';
    const first = await parsed(message(`${SES}\n${body}`));
    const again = await parsed(message(`${SES.replace('with SMTP id x', 'with SMTP id y')}\n${body}`));
    const other = await parsed(message(`${SES}\n${body}`, 'Different body.\n'));
    expect(first.messageIdWasDerived).toBe(true);
    expect(first.messageId).toMatch(/^[0-9a-f]{64}@derived\.intake\.invalid$/);
    expect(again.messageId).toBe(first.messageId);
    expect(other.messageId).not.toBe(first.messageId);
    expect(first.threadId).toBe(threadIdOf(first.messageId));
  });

  it('takes the thread from References, then In-Reply-To, then a token, then its own id', async () => {
    const tokenSes = sesFor('amelia.scott+t0123456789abcdef01234567@intake.localhost');
    const base = `${tokenSes}\nFrom: scott@example.com\nMessage-ID: <own@x>`;
    const to = 'To: amelia.scott@intake.localhost';
    expect(
      (await parsed(message(`${base}\n${to}\nReferences: <Root@X> <mid@x>\nIn-Reply-To: <mid@x>`))).threadId,
    ).toBe(threadIdOf('root@x'));
    const reply = await parsed(message(`${base}\n${to}\nIn-Reply-To: <parent@x> (sent by a robot)`));
    expect(reply).toMatchObject({ threadId: threadIdOf('parent@x'), inReplyTo: 'parent@x' });
    expect((await parsed(message(`${base}\n${to}`))).threadId).toBe('t0123456789abcdef01234567');
    expect((await parsed(message(`${base}\n${to}`), { domain: 'other.example' })).threadId).toBe(
      threadIdOf('own@x'),
    );
    expect(
      (await parsed(message(`${SES}\n${base}\nTo: amelia.scott+t0123456789abcdef01234567@intake.localhost`)))
        .threadId,
    ).toBe(threadIdOf('own@x'));
  });

  it('accepts a Message-ID without brackets and ignores one that is garbage', async () => {
    expect((await parsed(message('From: a@b.example\nMessage-ID: bare@id'))).messageId).toBe('bare@id');
    expect((await parsed(message('From: a@b.example\nMessage-ID: has space'))).messageIdWasDerived).toBe(
      true,
    );
  });

  it('counts the mailboxes of a From list or of two From fields, and then names no sender', async () => {
    const list = await parsed(message('From: first@example.com, second@example.com\nTo: a@b.example'));
    expect(list).toMatchObject({ from: undefined, fromCount: 2 });
    const twice = await parsed(message('From: first@example.com\nFrom: second@example.com\nTo: a@b.example'));
    expect(twice).toMatchObject({ from: undefined, fromCount: 2 });
    const group = await parsed(message('From: Team: one@example.com, two@example.com;\nTo: a@b.example'));
    expect(group).toMatchObject({ from: undefined, fromCount: 2 });
  });

  it('tolerates a missing From and routes nothing by To', async () => {
    const email = await parsed(message('To: Team: one@example.com, two@example.com;\nSubject: x'));
    expect(email.recipients).toEqual([]);
    expect(email.fromCount).toBe(0);
    expect(email.from).toBeUndefined();
    expect(email.fromDisplayName).toBeUndefined();
  });

  it('cuts long text and respects maxSubjectLength', async () => {
    const email = await parsed(message('From: a@b.example\nSubject: abcdefghij', 'x'.repeat(50)), {
      maxSubjectLength: 4,
      maxTextLength: 10,
    });
    expect(email.subject).toBe('abcd');
    expect(email.text).toBe('x'.repeat(10));
    expect(email.warnings).toEqual(
      expect.arrayContaining(['subject cut to 4 characters', 'text cut to 10 characters']),
    );
  });

  /** A message whose text part is these bytes in this charset, sent 8bit. */
  const inCharset = (charset: string, body: readonly number[], headers = 'Subject: x'): Uint8Array =>
    Buffer.concat([
      Buffer.from(
        `From: a@b.example\r\n${headers}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=${charset}\r\nContent-Transfer-Encoding: 8bit\r\n\r\n`,
        'latin1',
      ),
      Buffer.from(body),
    ]);

  it.each([
    ['windows-1252', [0x80, 0x96, 0x93, 0x94, 0x92, 0x8a, 0x9f, 0xe9], '€–“”’ŠŸé'],
    // The Encoding Standard reads these labels as windows-1252, as mail clients write them.
    ['iso-8859-1', [0x80, 0x85, 0xe9], '€…é'],
    ['latin1', [0x91, 0x92], '‘’'],
    ['us-ascii', [0x99, 0x41], '™A'],
    ['iso-8859-2', [0xa9, 0xe8, 0xf8], 'Ščř'],
    ['iso-8859-15', [0xa4, 0xbd], '€œ'],
    ['windows-1251', [0xcf, 0xf0, 0xe8], 'При'],
    ['koi8-r', [0xf0, 0xd2, 0xc9, 0xd7, 0xc5, 0xd4], 'Привет'],
    ['shift_jis', [0x82, 0xa0, 0x82, 0xa2], 'あい'],
    ['gb2312', [0xc4, 0xe3, 0xba, 0xc3], '你好'],
    ['big5', [0xa7, 0x41, 0xa6, 0x6e], '你好'],
    ['euc-kr', [0xbe, 0xc8, 0xb3, 0xe7], '안녕'],
  ])('decodes a %s text part', async (charset, body, text) => {
    expect((await parsed(inCharset(charset, body))).text).toBe(text);
  });

  it('reads windows-1252 in encoded words and parameters, though Node decodes it as Latin-1', async () => {
    const email = await parsed(
      bytes(
        [
          'From: =?iso-8859-1?Q?Ren=E9_=93R=94?= <rene@example.com>',
          'Subject: =?windows-1252?Q?Pricing_=96_=80_plans?=',
          'MIME-Version: 1.0',
          'Content-Type: multipart/mixed; boundary=b',
          '',
          '--b',
          'Content-Type: text/plain; charset=utf-8',
          '',
          'See the menu.',
          '--b',
          'Content-Type: text/plain',
          "Content-Disposition: attachment; filename*=windows-1252''caf%E9%96menu.txt",
          '',
          'menu',
          '--b--',
          '',
        ].join('\n'),
      ),
    );
    expect(email).toMatchObject({ subject: 'Pricing – € plans', fromDisplayName: 'René “R”' });
    expect(email.attachments.map((attachment) => attachment.filename)).toEqual(['café–menu.txt']);
  });

  it('takes the text of an HTML-only message: scripts, styles and images out, lines as written', async () => {
    const long = 'A sentence well over eighty characters long, which must stay on one line of the text.';
    const html = `<html><head><style>p { color: red }</style></head><body><p>${long}</p><img src="data:image/png;base64,${'A'.repeat(400)}" alt="logo"><script>alert(1)</script><ul><li>one</li><li>two</li></ul></body></html>`;
    const email = await parsed(
      bytes(`From: a@b.example\nMIME-Version: 1.0\nContent-Type: text/html; charset=utf-8\n\n${html}\n`),
    );
    expect(email.text).toBe(`${long}\n\n * one\n * two`);
    expect(email.warnings).toContain('no text part; text taken from the HTML');
  });

  it('never throws, even when handed something that is not bytes', async () => {
    expect(await parseEmail(null as unknown as Uint8Array)).toMatchObject({
      ok: false,
      reason: 'unparseable',
    });
  });

  it('says unparseable for empty input and for input without a header', async () => {
    expect(await parseEmail(new Uint8Array(0))).toMatchObject({ ok: false, reason: 'unparseable' });
    expect(await parseEmail(bytes('just some words\n\nmore'))).toMatchObject({
      ok: false,
      reason: 'unparseable',
    });
  });
});

describe('readHeaderBlock', () => {
  it('unfolds fields, keeps order and offsets, and stops at the blank line', () => {
    const raw = bytes('A: 1\nB: two\n  lines\nA: 3\n\nBody: not a header\n');
    const block = readHeaderBlock(raw);
    expect(block.headers.map((h) => [h.name, h.value])).toEqual([
      ['a', '1'],
      ['b', 'two lines'],
      ['a', '3'],
    ]);
    expect(block.headers[1]).toMatchObject({ start: 6, end: 23 });
    expect(new TextDecoder().decode(raw.subarray(block.bodyStart))).toBe('Body: not a header\r\n');
  });

  it('stops at a line that is not a field and at the byte limit', () => {
    expect(readHeaderBlock(bytes('A: 1\nnot a field\nB: 2\n\n')).headers).toHaveLength(1);
    expect(readHeaderBlock(bytes('A: 1\nB: 2\n'), 4).headers.map((h) => h.value)).toEqual(['1']);
  });
});

describe('readSesBlock', () => {
  const verdictsOf = (text: string) => readSesBlock(readHeaderBlock(bytes(`${text}\n\n`)).headers).verdicts;

  it('reads the topmost SES fields', () => {
    expect(verdictsOf(SES)).toEqual({
      spam: 'PASS',
      virus: 'PASS',
      spf: 'PASS',
      dkim: 'PASS',
      dmarc: 'PASS',
    });
  });

  it('ignores forged fields after the first field SES does not write', () => {
    const forged =
      'From: x@example.com\nX-SES-Spam-Verdict: PASS\nAuthentication-Results: amazonses.com; spf=pass; dkim=pass; dmarc=pass';
    expect(verdictsOf(forged)).toEqual({
      spam: 'MISSING',
      virus: 'MISSING',
      spf: 'MISSING',
      dkim: 'MISSING',
      dmarc: 'MISSING',
    });
  });

  it('ends the block at a repeated field, so a forged copy right below counts for nothing', () => {
    const real =
      'X-SES-Spam-Verdict: FAIL\nAuthentication-Results: amazonses.com; spf=fail; dkim=fail; dmarc=fail';
    const forged =
      'X-SES-Spam-Verdict: PASS\nX-SES-Virus-Verdict: PASS\nAuthentication-Results: amazonses.com; spf=pass; dkim=pass; dmarc=pass';
    expect(verdictsOf(`${real}\n${forged}`)).toEqual({
      spam: 'FAIL',
      virus: 'MISSING',
      spf: 'FAIL',
      dkim: 'FAIL',
      dmarc: 'FAIL',
    });
  });

  it('trusts only amazonses.com results and maps result keywords', () => {
    expect(
      verdictsOf('Authentication-Results: mx.evil.example; spf=pass; dkim=pass; dmarc=pass'),
    ).toMatchObject({
      spf: 'MISSING',
      dkim: 'MISSING',
    });
    expect(verdictsOf('Received-SPF: softfail (x)\nX-SES-Spam-Verdict: weird')).toMatchObject({
      spf: 'GRAY',
      spam: 'NONE',
    });
    expect(
      verdictsOf(
        'Authentication-Results: amazonses.com; spf=temperror (dns (nested) timeout); dkim=fail header.d=a; dkim=pass header.d=b; dmarc=none',
      ),
    ).toMatchObject({ spf: 'PROCESSING_FAILED', dkim: 'PASS', dmarc: 'NONE' });
    expect(verdictsOf('Authentication-Results: amazonses.com; spf=neutral; dkim=permerror')).toMatchObject({
      spf: 'GRAY',
      dkim: 'PROCESSING_FAILED',
      dmarc: 'MISSING',
    });
  });
});

describe('detectAutoReply', () => {
  const kindOf = (text: string, from?: string) =>
    detectAutoReply(readHeaderBlock(bytes(`${text}\n\n`)).headers, from);

  it.each([
    ['Auto-Submitted: auto-generated', 'auto-submitted'],
    ['Auto-Submitted: auto-replied; owner-email="x@y"', 'auto-submitted'],
    ['Precedence: junk', 'precedence'],
    ['Precedence: list', 'precedence'],
    ['X-Autorespond: vacation', 'x-autoreply'],
    ['Content-Type: multipart/report; report-type=disposition-notification', 'delivery-report'],
    ['Return-Path: < >', 'null-sender'],
  ])('%s → %s', (header, kind) => {
    expect(kindOf(header)).toBe(kind);
  });

  it('leaves ordinary mail alone', () => {
    expect(
      kindOf('Auto-Submitted: no\nPrecedence: normal\nX-Autoreply: no\nReturn-Path: <a@b.example>'),
    ).toBeUndefined();
    expect(kindOf('Subject: hi', 'MAILER-DAEMON@example.com')).toBe('mailer-daemon');
  });
});

describe('messageIdOf (header block only)', () => {
  it('agrees with parseEmail, with and without a Message-ID', async () => {
    const { messageIdOf } = await import('#domain/message-id.ts');
    const withId = new TextEncoder().encode('Message-ID: <Abc@Example.com>\r\nSubject: x\r\n\r\nbody');
    const withoutId = new TextEncoder().encode(
      'X-SES-Spam-Verdict: PASS\r\nFrom: a@example.com\r\nSubject: x\r\n\r\nbody',
    );
    for (const raw of [withId, withoutId]) {
      const parsed = await parseEmail(raw);
      expect(parsed.ok && parsed.email.messageId).toBe(messageIdOf(raw));
    }
  });
});
