import { describe, expect, it } from 'vitest';
import { AppError } from '../../../shared/errors';
import {
  countSegmentError,
  encodeSkipToken,
  formatFilter,
  parseEntitySelect,
  parseListQuery,
  queryFingerprint,
  riskDetectionsQuery,
  riskyUsersQuery,
  signInsQuery,
} from '../../../shared/query';
import { expectBadRequest } from './expect-bad-request';

const tenant = '11111111-1111-4111-8111-111111111111';
const otherTenant = '22222222-2222-4222-8222-222222222222';
const fromUrl = (query: string): URLSearchParams => new URL(`https://host/v1.0/x?${query}`).searchParams;

describe('parseListQuery — SPEC §7 list options', () => {
  it('defaults $top to 20 and leaves the rest unset', () => {
    const query = parseListQuery(new URLSearchParams(), riskyUsersQuery, tenant);
    expect(query).toEqual({ top: 20, fingerprint: expect.any(String) as unknown });
  });

  it('parses every option from a URL with + and %20 spaces', () => {
    const query = parseListQuery(
      fromUrl(
        "$filter=riskLevel+eq+microsoft.graph.riskLevel'high'%20and%20isProcessing+eq+false" +
          '&$select=id,riskLevel&$top=50&$orderby=riskLastUpdatedDateTime%20desc&code=functionkey',
      ),
      riskyUsersQuery,
      tenant,
    );
    expect(query.filter && formatFilter(query.filter)).toBe("riskLevel eq 'high' and isProcessing eq false");
    expect(query.select).toEqual(['id', 'riskLevel']);
    expect(query.top).toBe(50);
    expect(query.orderBy).toEqual({ property: 'riskLastUpdatedDateTime', direction: 'desc' });
  });

  it('accepts a plain record of decoded values', () => {
    const query = parseListQuery(
      { $filter: "userId eq 'u1'", $top: '5', other: undefined },
      riskDetectionsQuery,
      tenant,
    );
    expect(query.top).toBe(5);
    expect(query.filter).toMatchObject({ property: 'userId' });
  });

  it('matches option names case-insensitively', () => {
    expect(parseListQuery(fromUrl('$TOP=3'), signInsQuery, tenant).top).toBe(3);
  });

  it('honours options sent without their $ (OData 4.01, Graph beta), not ignoring them', () => {
    const query = parseListQuery(
      fromUrl("filter=riskLevel eq 'high'&Select=id&TOP=3&orderby=riskLastUpdatedDateTime desc&code=key"),
      riskyUsersQuery,
      tenant,
    );
    expect(query.filter && formatFilter(query.filter)).toBe("riskLevel eq 'high'");
    expect(query.select).toEqual(['id']);
    expect(query.top).toBe(3);
    expect(query.orderBy).toEqual({ property: 'riskLastUpdatedDateTime', direction: 'desc' });
    expect(query.fingerprint).toBe(
      parseListQuery(
        fromUrl("$filter=riskLevel eq 'high'&$select=id&$top=3&$orderby=riskLastUpdatedDateTime desc"),
        riskyUsersQuery,
        tenant,
      ).fingerprint,
    );
    expectBadRequest(
      () => parseListQuery(fromUrl('count=true'), riskyUsersQuery, tenant),
      "Query option 'count' is not supported",
    );
    expectBadRequest(
      () => parseListQuery(fromUrl('$top=5&top=6'), riskyUsersQuery, tenant),
      "'$top' is given more than once",
    );
  });

  it.each(['$expand=history', '$search="alice"', '$count=true', '$skip=10', '$format=json', '$levels=2'])(
    'rejects the unsupported option %s, naming it',
    (query) => {
      const name = query.split('=')[0] ?? '';
      expectBadRequest(
        () => parseListQuery(fromUrl(query), riskyUsersQuery, tenant),
        `Query option '${name}' is not supported`,
      );
    },
  );

  it('rejects a repeated option', () => {
    expectBadRequest(
      () => parseListQuery(fromUrl('$top=5&$top=6'), riskyUsersQuery, tenant),
      "'$top' is given more than once",
    );
    expectBadRequest(
      () =>
        parseListQuery(
          fromUrl("$filter=riskLevel eq 'high'&$FILTER=riskLevel eq 'low'"),
          riskyUsersQuery,
          tenant,
        ),
      'more than once',
    );
  });

  it('reports the first bad option as a 400 (R-X1)', () => {
    expectBadRequest(
      () => parseListQuery(fromUrl("$filter=foo eq 'x'"), riskyUsersQuery, tenant),
      "unknown property 'foo'",
    );
    expectBadRequest(() => parseListQuery(fromUrl('$top=501'), riskyUsersQuery, tenant), 'Invalid $top');
    expectBadRequest(
      () => parseListQuery(fromUrl('$select=nope'), riskyUsersQuery, tenant),
      "unknown property 'nope'",
    );
    expectBadRequest(
      () => parseListQuery(fromUrl('$orderby=riskLevel'), riskyUsersQuery, tenant),
      'Invalid $orderby',
    );
    expectBadRequest(() => parseListQuery(fromUrl('$filter='), riskyUsersQuery, tenant), 'empty');
  });

  it('fingerprints the normalised options, not their spelling', () => {
    const a = parseListQuery(
      fromUrl("$filter=riskLevel eq 'high'&$select=riskLevel,id&$top=10"),
      riskyUsersQuery,
      tenant,
    );
    const b = parseListQuery(
      fromUrl("$FILTER=RISKLEVEL EQ microsoft.graph.riskLevel'HIGH'&$select=ID, riskLevel&$top=10"),
      riskyUsersQuery,
      tenant,
    );
    expect(b.fingerprint).toBe(a.fingerprint);
    expect(
      parseListQuery(fromUrl("$filter=riskLevel eq 'high'&$top=11"), riskyUsersQuery, tenant).fingerprint,
    ).not.toBe(a.fingerprint);
    expect(queryFingerprint('riskDetections', { top: 20 })).not.toBe(
      queryFingerprint('riskyUsers', { top: 20 }),
    );
  });

  it('decodes a $skiptoken issued for the same tenant and query', () => {
    const first = parseListQuery(fromUrl('$top=2'), riskyUsersQuery, tenant);
    const token = encodeSkipToken({
      tenantId: tenant,
      queryFingerprint: first.fingerprint,
      continuation: { nextPartitionKey: tenant, nextRowKey: 'r3' },
    });
    const next = parseListQuery(fromUrl(`$top=2&$skiptoken=${token}`), riskyUsersQuery, tenant);
    expect(next.skipToken?.continuation).toEqual({ nextPartitionKey: tenant, nextRowKey: 'r3' });
    expect(next.fingerprint).toBe(first.fingerprint);
  });

  it('rejects a $skiptoken used by another tenant or with changed options (R-A1)', () => {
    const first = parseListQuery(fromUrl('$top=2'), riskyUsersQuery, tenant);
    const token = encodeSkipToken({ tenantId: tenant, queryFingerprint: first.fingerprint, offset: 2 });
    expectBadRequest(
      () => parseListQuery(fromUrl(`$top=2&$skiptoken=${token}`), riskyUsersQuery, otherTenant),
      'Invalid $skiptoken',
    );
    expectBadRequest(
      () => parseListQuery(fromUrl(`$top=3&$skiptoken=${token}`), riskyUsersQuery, tenant),
      'Invalid $skiptoken',
    );
    expectBadRequest(
      () => parseListQuery(fromUrl(`$top=2&$skiptoken=${token}`), signInsQuery, tenant),
      'Invalid $skiptoken',
    );
  });

  it('uses the caller partition predicate for continuations', () => {
    const first = parseListQuery(new URLSearchParams(), riskDetectionsQuery, tenant);
    const token = encodeSkipToken({
      tenantId: tenant,
      queryFingerprint: first.fingerprint,
      continuation: { nextPartitionKey: `${tenant}_u1` },
    });
    const params = fromUrl(`$skiptoken=${token}`);
    expectBadRequest(() => parseListQuery(params, riskDetectionsQuery, tenant), 'Invalid $skiptoken');
    const options = { isTenantPartitionKey: (pk: string) => pk.startsWith(`${tenant}_`) };
    expect(parseListQuery(params, riskDetectionsQuery, tenant, options).skipToken?.continuation).toEqual({
      nextPartitionKey: `${tenant}_u1`,
    });
  });
});

describe('parseEntitySelect — one entity (GET …/{id})', () => {
  it('SPEC §7: rejects $expand, naming it, instead of answering 200 without what it asked for', () => {
    for (const query of ['$expand=history', 'expand=history', '$EXPAND=history&$select=id']) {
      expectBadRequest(() => parseEntitySelect(fromUrl(query), riskyUsersQuery), 'is not supported');
    }
  });

  it('honours $select and still ignores list-only options such as $top and $filter', () => {
    expect(
      parseEntitySelect(fromUrl("$select=riskLevel,ID&$top=5&$filter=riskLevel eq 'x'"), riskyUsersQuery),
    ).toEqual(['riskLevel', 'id']);
  });
});

describe('countSegmentError: $count as a path segment, worded as the $count query option', () => {
  it('names $count (in any case) as not supported on the entity set', () => {
    for (const segment of ['$count', '$COUNT', '$Count']) {
      const error = countSegmentError(segment, riskyUsersQuery);
      expect(error).toBeInstanceOf(AppError);
      expect(error?.message).toBe(`Path segment '${segment}' is not supported on riskyUsers`);
    }
  });

  it('leaves every other segment alone, including count without its $', () => {
    for (const segment of ['count', '%24count', '$counts', '', '00000000-0000-4000-8000-000000000001']) {
      expect(countSegmentError(segment, riskyUsersQuery)).toBeUndefined();
    }
  });
});
