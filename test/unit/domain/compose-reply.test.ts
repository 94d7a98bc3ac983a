import { describe, expect, it } from 'vitest';
import { composeReply, type ReplyInput } from '#domain/compose-reply.ts';
import { readHeaderBlock } from '#domain/header-block.ts';
import { parseEmail } from '#domain/parse-email.ts';
import { threadIdOf } from '#domain/thread-id.ts';
import { encodeWords, headerLine, mailbox } from '#domain/mime-header.ts';

const threadId = threadIdOf('root@example.com');
const input: ReplyInput = {
  projectId: 'amelia',
  userId: 'scott',
  domain: 'intake.localhost',
  threadId,
  to: 'Scott@Example.com',
  subject: 'Login page',
  inReplyTo: 'reply-2@example.com',
  references: ['root@example.com'],
  text: 'Done: 3 stories committed.',
  messageId: 'job-1.reply@intake.localhost',
  date: new Date('2025-03-04T09:15:27Z'),
};

const headersOf = (raw: Uint8Array) =>
  Object.fromEntries(readHeaderBlock(raw).headers.map((header) => [header.name, header.value]));

describe('composeReply', () => {
  it('answers from the project address with the thread address as Reply-To', async () => {
    const raw = await composeReply(input);
    const headers = headersOf(raw);
    expect(headers).toMatchObject({
      from: 'intake <amelia.scott@intake.localhost>',
      to: 'scott@example.com',
      'reply-to': `amelia.scott+${threadId}@intake.localhost`,
      subject: 'Re: Login page',
      'in-reply-to': '<reply-2@example.com>',
      references: '<root@example.com> <reply-2@example.com>',
      'message-id': '<job-1.reply@intake.localhost>',
      'auto-submitted': 'auto-replied',
      'x-auto-response-suppress': 'All',
    });
    expect(new TextDecoder().decode(raw)).toContain('Done: 3 stories committed.');
  });

  it('cannot be made to add a header through the subject', async () => {
    const raw = await composeReply({
      ...input,
      subject: 'Hi\r\nBcc: victim@example.net\r\n\r\nInjected body',
    });
    const names = readHeaderBlock(raw).headers.map((header) => header.name);
    expect(names).not.toContain('bcc');
    expect(names.filter((name) => name === 'subject')).toHaveLength(1);
    expect(headersOf(raw).subject).toBe('Re: Hi Bcc: victim@example.net Injected body');
  });

  it('encodes non-ASCII subjects and does not stack Re: prefixes', async () => {
    const raw = await composeReply({ ...input, subject: 'RE: 仕様書' });
    expect(headersOf(raw).subject).toMatch(/^=\?UTF-8\?/i);
    const parse = await parseEmail(raw);
    expect(parse.ok && parse.email.subject).toBe('RE: 仕様書');
  });

  it('rejects a "to" that is not a bare address and skips unusable ids', async () => {
    await expect(composeReply({ ...input, to: 'x@y.z\r\nBcc: a@b.c' })).rejects.toThrow(TypeError);
    const raw = await composeReply({
      ...input,
      inReplyTo: 'bad id',
      references: ['<x>'],
      messageId: undefined,
      date: undefined,
    });
    const headers = headersOf(raw);
    expect(headers['in-reply-to']).toBeUndefined();
    expect(headers.references).toBeUndefined();
    expect(headers['message-id']).toMatch(/^<.+@intake\.localhost>$/);
  });

  it('keeps the root and the latest references when there are many', async () => {
    const references = Array.from({ length: 40 }, (_, i) => `r${i}@example.com`);
    const headers = headersOf(await composeReply({ ...input, references }));
    const ids = headers.references?.split(' ') ?? [];
    expect(ids).toHaveLength(20);
    expect(ids[0]).toBe('<r0@example.com>');
    expect(ids.at(-1)).toBe('<reply-2@example.com>');
  });

  it('threads the answer to a reply back to the same thread', async () => {
    const reply = await composeReply(input);
    const parse = await parseEmail(reply);
    expect(parse.ok && parse.email.threadId).toBe(threadId);
    expect(parse.ok && parse.email.autoReply).toBe('auto-submitted');
  });

  it('keeps every line within the limits and the text intact, whatever its script and length', async () => {
    const text = `Résumé — 仕様書 ✓\n${'long line '.repeat(200)}\n\nend = done \n\r\nlast`;
    const raw = await composeReply({
      ...input,
      subject: 'Ünïcödé '.repeat(20),
      fromName: 'Équipe "intake", <robots>',
      references: Array.from({ length: 20 }, (_, i) => `reference-number-${i}@mail.example.com`),
      text,
    });
    const lines = new TextDecoder().decode(raw).split('\r\n');
    expect(Math.max(...lines.map((line) => line.length))).toBeLessThanOrEqual(78);
    expect([...raw].every((byte) => byte < 0x80)).toBe(true);
    const parse = await parseEmail(raw);
    expect(parse.ok && parse.email.text.trim()).toBe(text.replace(/\r\n/g, '\n').trim());
    expect(parse.ok && parse.email.subject).toBe(`Re: ${'Ünïcödé '.repeat(20).trim()}`);
    expect(headersOf(raw).from).toMatch(/^=\?UTF-8\?B\?.+\?= <amelia\.scott@intake\.localhost>$/);
  });

  it('refuses a header value or an address that would break out of its line', () => {
    expect(() => encodeWords('a\r\nBcc: x@y.z')).toThrow(TypeError);
    expect(() => headerLine('Subject', 'a\nb')).toThrow(TypeError);
    expect(() => headerLine('Bad Name', 'x')).toThrow(TypeError);
    expect(() => mailbox('a@b.c>, evil@x.y')).toThrow(TypeError);
    expect(() => mailbox('a@b.c', 'x\r\nBcc: e@x.y')).toThrow(TypeError);
    expect(mailbox('a@b.c', 'Ann "A" Lee')).toBe('"Ann \\"A\\" Lee" <a@b.c>');
    expect(
      encodeWords('é'.repeat(60))
        .split(' ')
        .every((word) => word.length <= 75),
    ).toBe(true);
  });
});
