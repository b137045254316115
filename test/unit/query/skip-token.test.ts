import { describe, expect, it } from 'vitest';
import { decodeSkipToken, encodeSkipToken, queryLimits } from '../../../shared/query';
import { expectBadRequest } from './expect-bad-request';

const tenantA = '11111111-1111-4111-8111-111111111111';
const tenantB = '22222222-2222-4222-8222-222222222222';
const fingerprint = 'fp-riskyUsers-1';
const expected = { tenantId: tenantA, queryFingerprint: fingerprint };

const forge = (body: unknown): string => Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');

describe('$skiptoken round trip (SPEC §7 paging)', () => {
  it('round-trips a continuation and an offset', () => {
    const token = encodeSkipToken({
      tenantId: tenantA,
      queryFingerprint: fingerprint,
      continuation: { nextPartitionKey: tenantA, nextRowKey: 'user-042' },
      offset: 7,
    });
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    const decoded = decodeSkipToken(token, expected);
    expect(decoded).toMatchObject({
      continuation: { nextPartitionKey: tenantA, nextRowKey: 'user-042' },
      offset: 7,
    });
    expect(JSON.parse(Buffer.from(decoded.tableContinuationToken ?? '', 'base64').toString('utf8'))).toEqual({
      nextPartitionKey: tenantA,
      nextRowKey: 'user-042',
    });
  });

  it('accepts and returns the @azure/data-tables continuation token string', () => {
    const sdkToken = Buffer.from(JSON.stringify({ nextPartitionKey: tenantA, nextRowKey: 'r1' })).toString(
      'base64',
    );
    const token = encodeSkipToken({
      tenantId: tenantA,
      queryFingerprint: fingerprint,
      continuation: sdkToken,
    });
    expect(decodeSkipToken(token, expected).tableContinuationToken).toBe(sdkToken);
    expect(() =>
      encodeSkipToken({ tenantId: tenantA, queryFingerprint: fingerprint, continuation: 'junk' }),
    ).toThrow();
  });

  it('round-trips an offset alone', () => {
    const token = encodeSkipToken({ tenantId: tenantA, queryFingerprint: fingerprint, offset: 40 });
    expect(decodeSkipToken(token, expected)).toEqual({ offset: 40 });
  });

  it('refuses to encode a token with nothing to resume', () => {
    expect(() => encodeSkipToken({ tenantId: tenantA, queryFingerprint: fingerprint })).toThrow();
  });

  it('accepts partitions of the tenant through the caller predicate', () => {
    const token = encodeSkipToken({
      tenantId: tenantA,
      queryFingerprint: fingerprint,
      continuation: { nextPartitionKey: `${tenantA}|2024-05` },
    });
    expectBadRequest(() => decodeSkipToken(token, expected), 'Invalid $skiptoken');
    expect(
      decodeSkipToken(token, { ...expected, isTenantPartitionKey: (pk) => pk.startsWith(`${tenantA}|`) })
        .continuation,
    ).toEqual({ nextPartitionKey: `${tenantA}|2024-05` });
  });
});

describe('$skiptoken tampering is a 400 (R-A1: never another tenant)', () => {
  const valid = encodeSkipToken({
    tenantId: tenantA,
    queryFingerprint: fingerprint,
    continuation: { nextPartitionKey: tenantA, nextRowKey: 'x' },
  });

  it("rejects another tenant's token", () => {
    const other = encodeSkipToken({
      tenantId: tenantB,
      queryFingerprint: fingerprint,
      continuation: { nextPartitionKey: tenantB },
    });
    expectBadRequest(() => decodeSkipToken(other, expected), 'Invalid $skiptoken');
  });

  it("rejects a token of this tenant pointing into another tenant's partition", () => {
    const forged = forge({ v: 1, t: tenantA, q: fingerprint, c: { p: tenantB, r: 'x' } });
    expectBadRequest(() => decodeSkipToken(forged, expected), 'Invalid $skiptoken');
  });

  it('rejects a token issued for other query options', () => {
    expectBadRequest(
      () => decodeSkipToken(valid, { ...expected, queryFingerprint: 'another' }),
      'Invalid $skiptoken',
      'different query options',
    );
  });

  it.each([
    ['not base64url', 'abc$%^'],
    ['empty', ''],
    ['not JSON', Buffer.from('hello').toString('base64url')],
    ['JSON of the wrong shape', forge({ v: 1, t: tenantA })],
    ['another version', forge({ v: 2, t: tenantA, q: fingerprint, o: 1 })],
    ['extra fields', forge({ v: 1, t: tenantA, q: fingerprint, o: 1, admin: true })],
    ['negative offset', forge({ v: 1, t: tenantA, q: fingerprint, o: -5 })],
    ['nothing to resume', forge({ v: 1, t: tenantA, q: fingerprint })],
    ['empty partition key', forge({ v: 1, t: tenantA, q: fingerprint, c: { p: '' } })],
    ['a JSON array', forge([1, tenantA])],
  ])('rejects garbage: %s', (_label, token) => {
    expectBadRequest(() => decodeSkipToken(token, expected), 'Invalid $skiptoken');
  });

  // Node's base64url decoder ignores a dangling last character: such a token decodes to the
  // genuine JSON, but it is not the token that was issued.
  it.each([1, 2, 3, 4, 5, 6])('rejects a genuine token with a character appended (%i before it)', (extra) => {
    const genuine = encodeSkipToken({
      tenantId: tenantA,
      queryFingerprint: fingerprint,
      continuation: { nextPartitionKey: `${tenantA}|u|0`, nextRowKey: `r|${'7'.repeat(extra)}` },
    });
    const ofTenantA = { ...expected, isTenantPartitionKey: (pk: string) => pk.startsWith(tenantA) };
    expect(decodeSkipToken(genuine, ofTenantA).continuation?.nextRowKey).toBe(`r|${'7'.repeat(extra)}`);
    for (const tampered of [`${genuine}x`, `${genuine}A`, `${genuine}=`])
      expectBadRequest(() => decodeSkipToken(tampered, ofTenantA), 'Invalid $skiptoken');
  });

  it(`rejects tokens longer than ${queryLimits.maxSkipTokenLength} characters`, () => {
    expectBadRequest(
      () => decodeSkipToken('A'.repeat(queryLimits.maxSkipTokenLength + 1), expected),
      'Invalid $skiptoken',
    );
    expect(() =>
      encodeSkipToken({
        tenantId: tenantA,
        queryFingerprint: fingerprint,
        continuation: { nextPartitionKey: tenantA, nextRowKey: 'r'.repeat(1024) },
        offset: 1,
      }),
    ).not.toThrow();
  });

  it('refuses an empty tenant id, which would make every partition match a prefix', () => {
    expect(() => decodeSkipToken(valid, { ...expected, tenantId: '' })).toThrow(/tenantId/);
  });
});
