import { describe, expect, it } from 'vitest';
import {
  applySelect,
  parseOrderBy,
  parseSelect,
  parseTop,
  riskDetectionsQuery,
  riskyUsersQuery,
  selectContextSuffix,
  signInsQuery,
} from '../../../shared/query';
import { expectBadRequest } from './expect-bad-request';

describe('$select (SPEC §7: honoured)', () => {
  it('parses a comma list to canonical names, case-insensitively and de-duplicated', () => {
    expect(parseSelect('riskLevel, USERPRINCIPALNAME,riskLevel', riskyUsersQuery)).toEqual([
      'riskLevel',
      'userPrincipalName',
    ]);
    expect(parseSelect('*', riskyUsersQuery)).toBeUndefined();
  });

  it('rejects unknown and empty names, naming them (R-X1)', () => {
    expectBadRequest(() => parseSelect('riskLevel,password', riskyUsersQuery), "unknown property 'password'");
    expectBadRequest(() => parseSelect('riskLevel,', riskyUsersQuery), 'empty property name');
    expectBadRequest(() => parseSelect('history/riskLevel', riskyUsersQuery), "'history/riskLevel'");
  });

  it('keeps only the selected properties; id only when selected, as Graph does', () => {
    const entity = { id: 'u1', riskLevel: 'high', riskState: 'atRisk', userPrincipalName: 'a@b' };
    expect(applySelect(entity, ['userPrincipalName', 'riskLevel'])).toEqual({
      riskLevel: 'high',
      userPrincipalName: 'a@b',
    });
    expect(applySelect(entity, ['id'])).toEqual({ id: 'u1' });
    expect(applySelect(entity, ['isDeleted'])).toEqual({});
    expect(applySelect(entity, undefined)).toBe(entity);
  });

  it("gives Graph's @odata.context suffix", () => {
    expect(selectContextSuffix(['riskLevel', 'id'])).toBe('(riskLevel,id)');
    expect(selectContextSuffix(undefined)).toBe('');
  });
});

describe('$top (SPEC §7: 1–500)', () => {
  it('accepts 1 to 500', () => {
    expect(parseTop('1', riskyUsersQuery)).toBe(1);
    expect(parseTop('500', riskyUsersQuery)).toBe(500);
  });

  it.each(['0', '501', '-1', '1.5', '1e2', 'ten', '', ' ', '0x10', '99999999999'])('rejects %j', (raw) => {
    expectBadRequest(() => parseTop(raw, riskyUsersQuery), 'Invalid $top', '1 to 500');
  });

  it("signIns take Graph's 1 to 1,000, default 20", () => {
    expect(parseTop('1000', signInsQuery)).toBe(1000);
    expect(signInsQuery.top.default).toBe(20);
    expectBadRequest(() => parseTop('1001', signInsQuery), 'Invalid $top', '1 to 1000');
    expectBadRequest(() => parseTop('501', riskDetectionsQuery), 'Invalid $top', '1 to 500');
  });
});

describe('$orderby (SPEC §7: riskLastUpdatedDateTime [desc])', () => {
  it('accepts the allowed property with an optional direction', () => {
    expect(parseOrderBy('riskLastUpdatedDateTime', riskyUsersQuery)).toEqual({
      property: 'riskLastUpdatedDateTime',
      direction: 'asc',
    });
    expect(parseOrderBy('risklastupdateddatetime DESC', riskyUsersQuery)).toEqual({
      property: 'riskLastUpdatedDateTime',
      direction: 'desc',
    });
  });

  it('rejects other properties, several keys, bad directions and unorderable sets', () => {
    expectBadRequest(
      () => parseOrderBy('riskLevel desc', riskyUsersQuery),
      "'riskLevel desc' is not supported",
    );
    expectBadRequest(
      () => parseOrderBy('riskLastUpdatedDateTime desc, riskLevel', riskyUsersQuery),
      'only one property',
    );
    expectBadRequest(() => parseOrderBy('riskLastUpdatedDateTime down', riskyUsersQuery), 'Invalid $orderby');
    expectBadRequest(
      () => parseOrderBy('detectedDateTime', riskDetectionsQuery),
      'riskDetections cannot be ordered',
    );
  });
});
