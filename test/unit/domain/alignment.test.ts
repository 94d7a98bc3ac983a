import { describe, expect, it } from 'vitest';
import { alignedCheck, domainsAlign, organisationalDomain } from '#domain/alignment.ts';
import { isAutomatedAddress } from '#domain/auto-reply.ts';

describe('organisational domains (Public Suffix List)', () => {
  it('reads registrable domains under multi-label and private suffixes', () => {
    expect(organisationalDomain('mail.example.co.uk')).toBe('example.co.uk');
    expect(organisationalDomain('Bounces.Example.COM.')).toBe('example.com');
    expect(organisationalDomain('alice.github.io')).toBe('alice.github.io');
    expect(organisationalDomain('co.uk')).toBeUndefined();
  });

  it('aligns relaxed: same organisational domain, never a mere suffix match', () => {
    expect(domainsAlign('bounces.example.com', 'example.com')).toBe(true);
    expect(domainsAlign('example.co.uk', 'other.co.uk')).toBe(false);
    expect(domainsAlign('alice.github.io', 'bob.github.io')).toBe(false);
    expect(domainsAlign('notexample.com', 'example.com')).toBe(false);
    expect(domainsAlign('co.uk', 'co.uk')).toBe(false);
  });
});

describe('alignedCheck', () => {
  const none = { spf: undefined, dkim: [], dmarc: undefined };
  it('names the passing check that vouches for the From domain', () => {
    expect(alignedCheck('scott@example.com', { ...none, spf: 'mail.example.com' })).toBe('spf');
    expect(alignedCheck('scott@example.com', { ...none, dkim: ['esp.net', 'example.com'] })).toBe('dkim');
    expect(alignedCheck('scott@example.com', { ...none, dmarc: 'example.com' })).toBe('dmarc');
  });

  it('finds none when the passes are for other domains', () => {
    expect(alignedCheck('scott@example.com', { spf: 'bad.com', dkim: ['esp.net'], dmarc: 'bad.com' })).toBe(
      undefined,
    );
    expect(alignedCheck('not an address', { ...none, spf: 'example.com' })).toBe(undefined);
  });
});

describe('isAutomatedAddress', () => {
  it('sees machines through sub-address tags', () => {
    for (const address of ['postmaster+x@example.com', 'MAILER-DAEMON@example.com', 'no-reply@example.com'])
      expect(isAutomatedAddress(address)).toBe(true);
    expect(isAutomatedAddress('scott+spec@example.com')).toBe(false);
  });
});
