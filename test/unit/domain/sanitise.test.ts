import { describe, expect, it } from 'vitest';
import { sanitiseAttachmentName, sanitiseContentType, uniqueNames } from '#domain/attachment-name.ts';
import { normaliseAddress, splitAddress } from '#domain/email-address.ts';
import { cleanBodyText, isBlank, sanitiseSubject } from '#domain/sanitise-text.ts';
import { replyAddressFor } from '#domain/project-address.ts';
import { threadIdOf, threadTokenFromAddress } from '#domain/thread-id.ts';

describe('sanitiseAttachmentName', () => {
  it.each([
    ['spec.md', 'spec.md'],
    ['../../etc/passwd', 'passwd'],
    ['C:\\Users\\x\\evil.dll', 'evil.dll'],
    ['invoice\u202efdp.exe', 'invoicefdp.exe'],
    ['\u2066report\u2069.txt', 'report.txt'],
    ['a\u0000b\u0007c\u001b.txt', 'abc.txt'],
    ['.htaccess', 'htaccess'],
    ['...', 'attachment-3.bin'],
    ['name.', 'name'],
    ['what?<>:"|*.txt', 'what_______.txt'],
    ['  spaced   out  .txt ', 'spaced out .txt'],
    ['CON.txt', 'attachment-3.bin'],
    ['a/', 'attachment-3.bin'],
    ['', 'attachment-3.bin'],
  ])('%j → %j', (name, safe) => {
    expect(sanitiseAttachmentName(name, 2, 'application/octet-stream')).toBe(safe);
  });

  it('uses an extension that fits the content type for the fallback', () => {
    expect(sanitiseAttachmentName(undefined, 0, 'application/pdf')).toBe('attachment-1.pdf');
    expect(sanitiseAttachmentName(undefined, 1, 'message/rfc822')).toBe('attachment-2.eml');
  });

  it('caps the length and keeps the extension', () => {
    const name = sanitiseAttachmentName(`${'a'.repeat(300)}.pdf`, 0, 'application/pdf');
    expect(name).toHaveLength(100);
    expect(name.endsWith('.pdf')).toBe(true);
    expect(sanitiseAttachmentName('b'.repeat(300), 0, 'x/y')).toHaveLength(100);
    expect(Array.from(sanitiseAttachmentName('😀'.repeat(150), 0, 'x/y'))).toHaveLength(100);
  });

  it('makes names unique within a message', () => {
    expect(uniqueNames(['a.txt', 'A.txt', 'a.txt', 'b', 'b'])).toEqual([
      'a.txt',
      'A-2.txt',
      'a-3.txt',
      'b',
      'b-2',
    ]);
  });

  it('keeps well-formed content types only', () => {
    expect(sanitiseContentType('Text/Plain')).toBe('text/plain');
    expect(sanitiseContentType('text/plain\r\nX-Evil: 1')).toBe('application/octet-stream');
    expect(sanitiseContentType(undefined)).toBe('application/octet-stream');
  });
});

describe('sanitiseSubject', () => {
  it('puts the subject on one line without control or bidi characters', () => {
    expect(sanitiseSubject('Hello\r\nBcc: x@y\u0000 \u202eevil\t end ')).toBe('Hello Bcc: x@y evil end');
  });

  it('cuts on code points, not UTF-16 units', () => {
    expect(sanitiseSubject('😀😀😀', 2)).toBe('😀😀');
    expect(sanitiseSubject('x'.repeat(10_000))).toHaveLength(200);
  });
});

describe('body text helpers', () => {
  it('normalises line ends and drops NULs, keeps tabs and newlines', () => {
    expect(cleanBodyText('a\r\nb\rc\u0000\td\u202e')).toBe('a\nb\nc\td');
    expect(isBlank(' \u0000\n')).toBe(true);
    expect(isBlank(' x ')).toBe(false);
  });
});

describe('addresses', () => {
  it('splits bare addresses only', () => {
    expect(splitAddress('A.B+c@Example.COM.')).toEqual({ local: 'a.b+c', domain: 'example.com' });
    expect(splitAddress('Name <a@b.c>')).toBeUndefined();
    expect(splitAddress('a@b@c')).toBeUndefined();
    expect(normaliseAddress(' X@Y.Z ')).toBe('x@y.z');
    expect(normaliseAddress('nope')).toBeUndefined();
  });
});

describe('thread ids', () => {
  it('hashes the lower-cased id without brackets', () => {
    expect(threadIdOf('<Root@Example.COM>')).toBe(threadIdOf('root@example.com'));
    expect(threadIdOf('root@example.com')).toMatch(/^t[0-9a-f]{24}$/);
    expect(threadIdOf('a@x')).not.toBe(threadIdOf('b@x'));
  });

  it('round-trips through the reply address', () => {
    const threadId = threadIdOf('root@example.com');
    const address = replyAddressFor('amelia', 'scott', threadId, 'Intake.Localhost');
    expect(address).toBe(`amelia.scott+${threadId}@intake.localhost`);
    expect(threadTokenFromAddress(address)).toBe(threadId);
    expect(threadTokenFromAddress('amelia.scott+tnothex@intake.localhost')).toBeUndefined();
    expect(threadTokenFromAddress('amelia.scott@intake.localhost')).toBeUndefined();
    expect(threadTokenFromAddress('garbage')).toBeUndefined();
    expect(() => replyAddressFor('amelia', 'scott', 'x\r\nBcc: y', 'intake.localhost')).toThrow(TypeError);
  });
});
