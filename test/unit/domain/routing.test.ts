import { describe, expect, it } from 'vitest';
import { projectAddressOf, routeRecipients } from '#domain/routing.ts';

const registered = (projectId: string, userId: string): boolean =>
  projectId === 'amelia' && userId === 'scott';

describe('routeRecipients', () => {
  it('routes a project address to its project and user', () => {
    expect(routeRecipients(['amelia.scott@intake.localhost'], 'intake.localhost', registered)).toEqual({
      ok: true,
      projectId: 'amelia',
      userId: 'scott',
      address: 'amelia.scott@intake.localhost',
    });
  });

  it('ignores case in the local part and the domain, and a configured domain in any case', () => {
    const route = routeRecipients(['Amelia.SCOTT@Intake.LocalHost'], 'INTAKE.localhost', registered);
    expect(route).toMatchObject({ ok: true, projectId: 'amelia', userId: 'scott' });
  });

  it('ignores the +tag for routing and reports a thread token when the tag is one', () => {
    expect(
      routeRecipients(['amelia.scott+whatever@intake.localhost'], 'intake.localhost', registered),
    ).toMatchObject({
      ok: true,
      projectId: 'amelia',
      address: 'amelia.scott+whatever@intake.localhost',
    });
    const withToken = routeRecipients(
      ['amelia.scott+t0123456789abcdef01234567@intake.localhost'],
      'intake.localhost',
      registered,
    );
    expect(withToken).toMatchObject({ ok: true, threadToken: 't0123456789abcdef01234567' });
    expect(
      routeRecipients(['amelia.scott+x@intake.localhost'], 'intake.localhost', registered),
    ).not.toHaveProperty('threadToken');
  });

  it('takes the first registered project address among several recipients', () => {
    const route = routeRecipients(
      [
        'boss@example.com',
        'ghost.user@intake.localhost',
        'amelia.scott@intake.localhost',
        'amelia.scott@other.example',
      ],
      'intake.localhost',
      registered,
    );
    expect(route).toMatchObject({ ok: true, address: 'amelia.scott@intake.localhost' });
  });

  it('says no-project-address when no recipient has the shape on the domain', () => {
    for (const recipients of [
      [],
      ['amelia.scott@intake.localhost.evil.example'],
      ['amelia.scott@evil-intake.localhost'],
      ['support@intake.localhost'],
      ['a.b.c@intake.localhost'],
      ['amelia.@intake.localhost'],
      ['-bad.scott@intake.localhost'],
      ['"amelia.scott"@intake.localhost'],
      ['not an address'],
    ]) {
      expect(routeRecipients(recipients, 'intake.localhost', registered)).toMatchObject({
        ok: false,
        reason: 'no-project-address',
      });
    }
  });

  it('says unknown-project when project addresses are there but none is registered', () => {
    const route = routeRecipients(
      ['zephyr.scott@intake.localhost', 'amelia.ann@intake.localhost'],
      'intake.localhost',
      registered,
    );
    expect(route).toMatchObject({ ok: false, reason: 'unknown-project' });
    expect(route.ok || route.detail).toContain('zephyr.scott@intake.localhost');
  });
});

describe('projectAddressOf', () => {
  it('accepts a trailing dot on the domain', () => {
    expect(projectAddressOf('amelia.scott@intake.localhost.', 'intake.localhost')).toMatchObject({
      projectId: 'amelia',
    });
  });
});
