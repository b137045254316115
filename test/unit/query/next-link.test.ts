import { describe, expect, it } from 'vitest';
import { buildNextLink, parseListQuery, riskyUsersQuery } from '../../../shared/query';

describe('buildNextLink (SPEC §7: absolute @odata.nextLink with opaque $skiptoken)', () => {
  it('keeps the other options as sent and appends the $skiptoken', () => {
    const link = buildNextLink(
      "https://riskloop.example/v1.0/identityProtection/riskyUsers?$filter=riskLevel+eq+'high'&$top=2",
      'abc_-1',
    );
    expect(link).toBe(
      'https://riskloop.example/v1.0/identityProtection/riskyUsers?$filter=riskLevel+eq+%27high%27&$top=2&$skiptoken=abc_-1',
    );
  });

  it('replaces an existing $skiptoken whatever its case or encoding, and drops the fragment', () => {
    const link = buildNextLink(
      'http://localhost:7071/v1.0/auditLogs/signIns?%24SkipToken=old&$top=5#frag',
      'new',
    );
    expect(link).toBe('http://localhost:7071/v1.0/auditLogs/signIns?$top=5&$skiptoken=new');
  });

  it('replaces a skiptoken sent without its $, so the next request does not carry two', () => {
    expect(buildNextLink('http://h/v1.0/identityProtection/riskyUsers?top=2&SkipToken=old', 'new')).toBe(
      'http://h/v1.0/identityProtection/riskyUsers?top=2&$skiptoken=new',
    );
  });

  it('works without a query string', () => {
    expect(buildNextLink('http://localhost:7071/v1.0/identityProtection/riskyUsers', 't')).toBe(
      'http://localhost:7071/v1.0/identityProtection/riskyUsers?$skiptoken=t',
    );
  });

  it('produces a link whose options parse back to the same query', () => {
    const request = "http://h/v1.0/identityProtection/riskyUsers?$filter=riskLevel%20eq%20'high'&$top=2";
    const link = new URL(buildNextLink(request, 'tok'));
    const first = parseListQuery(new URL(request).searchParams, riskyUsersQuery, 't1');
    link.searchParams.delete('$skiptoken');
    expect(parseListQuery(link.searchParams, riskyUsersQuery, 't1').fingerprint).toBe(first.fingerprint);
  });
});
