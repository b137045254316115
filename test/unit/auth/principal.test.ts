import { describe, expect, it } from 'vitest';

import { initiatedBy, isGuid, principalFromClaims, type Principal } from '../../../shared/auth/principal';

const TENANT = '11111111-1111-4111-8111-111111111111';
const USER = '22222222-2222-4222-8222-222222222222';
const APP = '33333333-3333-4333-8333-333333333333';
const READER = '5d6b6bb7-de71-4623-b4af-96380a352509';

describe('principalFromClaims', () => {
  it('R-A3 a token with scp is delegated: oid is the user, wids are its roles', () => {
    const principal = principalFromClaims({
      tid: TENANT.toUpperCase(),
      oid: USER,
      scp: 'user_impersonation',
      azp: APP,
      wids: [READER.toUpperCase()],
      roles: ['IdentityRiskEvent.ReadWrite.All'],
    });
    expect(principal).toEqual({
      tenantId: TENANT,
      objectId: USER,
      appId: APP,
      kind: 'delegated',
      wids: [READER],
      roles: ['IdentityRiskEvent.ReadWrite.All'],
    });
    expect(initiatedBy(principal)).toBe(USER);
  });

  it('R-A3 a token without scp is app-only, identified by azp (v2) or appid (v1)', () => {
    const v2 = principalFromClaims({
      tid: TENANT,
      idtyp: 'app',
      azp: APP,
      roles: ['IdentityRiskyUser.Read.All'],
    });
    expect(v2).toEqual({
      tenantId: TENANT,
      appId: APP,
      kind: 'app',
      wids: [],
      roles: ['IdentityRiskyUser.Read.All'],
    });
    // R-S7: without the service principal's oid, the history names the client application.
    expect(initiatedBy(v2)).toBe(APP);

    // With it (Entra's app-only tokens carry it), the history names the caller's object id (R-S7).
    const v1 = principalFromClaims({ tid: TENANT, oid: USER, appid: APP, roles: [] });
    expect(v1).toMatchObject({ kind: 'app', appId: APP, objectId: USER });
    expect(initiatedBy(v1)).toBe(USER);
  });

  it.each([
    ['no tid', { oid: USER, scp: 'x' }, /tenant id/],
    ['a tid that is not a GUID', { tid: 'contoso', oid: USER, scp: 'x' }, /tenant id/],
    ['a delegated token without oid', { tid: TENANT, scp: 'x' }, /oid/],
    ['an app-only token without application id', { tid: TENANT, roles: ['a'] }, /azp\/appid/],
    ['wids that are not GUIDs', { tid: TENANT, oid: USER, scp: 'x', wids: ['admin'] }, /wids/],
  ])('rejects %s with 401', (_name, claims, reason) => {
    expect(() => principalFromClaims(claims)).toThrow(expect.objectContaining({ code: 'unauthenticated' }));
    expect(() => principalFromClaims(claims)).toThrow(reason);
  });

  it('treats an empty scp as no scope (app-only)', () => {
    expect(principalFromClaims({ tid: TENANT, scp: ' ', azp: APP }).kind).toBe('app');
  });
});

describe('initiatedBy', () => {
  it('refuses a hand-built principal without the identifying id', () => {
    const principal: Principal = { tenantId: TENANT, kind: 'delegated', wids: [], roles: [] };
    expect(() => initiatedBy(principal)).toThrow(/objectId/);
  });
});

describe('isGuid', () => {
  it('accepts GUIDs in either case and nothing else', () => {
    expect(isGuid(TENANT)).toBe(true);
    expect(isGuid(TENANT.toUpperCase())).toBe(true);
    expect(isGuid(`${TENANT}x`)).toBe(false);
    expect(isGuid('../11111111-1111-4111-8111-111111111111')).toBe(false);
  });
});
