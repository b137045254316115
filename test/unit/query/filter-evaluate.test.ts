import { describe, expect, it } from 'vitest';
import {
  constant,
  evaluateFilter,
  parseFilter,
  riskDetectionsQuery,
  riskyUsersQuery,
} from '../../../shared/query';

const user = {
  id: '1b4a7c4e-0000-4000-8000-000000000001',
  userPrincipalName: 'Alice@Contoso.com',
  userDisplayName: 'Alice',
  riskLevel: 'medium',
  riskState: 'atRisk',
  riskDetail: 'none',
  isProcessing: false,
  riskLastUpdatedDateTime: '2024-03-01T10:00:00.000Z',
};

const matches = (filter: string, entity: Record<string, unknown> = user): boolean =>
  evaluateFilter(parseFilter(filter, riskyUsersQuery), entity);

describe('evaluateFilter — SPEC §7 $filter semantics', () => {
  it('compares enums for equality', () => {
    expect(matches("riskLevel eq 'medium'")).toBe(true);
    expect(matches("riskLevel eq microsoft.graph.riskLevel'high'")).toBe(false);
    expect(matches("riskLevel ne 'high'")).toBe(true);
  });

  it('orders riskLevel as none < low < medium < high (SPEC §1)', () => {
    expect(matches("riskLevel gt 'low'")).toBe(true);
    expect(matches("riskLevel ge 'medium'")).toBe(true);
    expect(matches("riskLevel gt 'medium'")).toBe(false);
    expect(matches("riskLevel lt 'high'")).toBe(true);
    expect(matches("riskLevel le 'low'")).toBe(false);
    expect(matches("riskLevel gt 'none'", { ...user, riskLevel: 'low' })).toBe(true);
    expect(matches("riskLevel lt 'low'", { ...user, riskLevel: 'none' })).toBe(true);
  });

  it('orders other enums by declaration order', () => {
    // riskState: none, confirmedSafe, remediated, dismissed, atRisk, confirmedCompromised, …
    expect(matches("riskState gt 'dismissed'")).toBe(true);
    expect(matches("riskState ge 'confirmedCompromised'")).toBe(false);
  });

  it('compares strings case-insensitively, like Graph on userPrincipalName', () => {
    expect(matches("userPrincipalName eq 'alice@contoso.com'")).toBe(true);
    expect(matches("userPrincipalName ne 'ALICE@CONTOSO.COM'")).toBe(false);
    expect(matches("userPrincipalName lt 'bob@contoso.com'")).toBe(true);
  });

  it('compares booleans', () => {
    expect(matches('isProcessing eq false')).toBe(true);
    expect(matches('isProcessing ne false')).toBe(false);
  });

  it("compares an instant between two whole milliseconds (.NET's 7 digits) as lying between them", () => {
    // Stored times fall on whole milliseconds; the literal is 100 ns after the stored one.
    const literal = '2024-03-01T10:00:00.0000001Z';
    expect(matches(`riskLastUpdatedDateTime eq ${literal}`)).toBe(false);
    expect(matches(`riskLastUpdatedDateTime ne ${literal}`)).toBe(true);
    expect(matches(`riskLastUpdatedDateTime ge ${literal}`)).toBe(false);
    expect(matches(`riskLastUpdatedDateTime gt ${literal}`)).toBe(false);
    expect(matches(`riskLastUpdatedDateTime lt ${literal}`)).toBe(true);
    expect(matches(`riskLastUpdatedDateTime le ${literal}`)).toBe(true);
    const later = { ...user, riskLastUpdatedDateTime: '2024-03-01T10:00:00.001Z' };
    expect(matches(`riskLastUpdatedDateTime ge ${literal}`, later)).toBe(true);
    expect(matches(`riskLastUpdatedDateTime lt ${literal}`, later)).toBe(false);
    // Zeros beyond the millisecond are the millisecond itself.
    expect(matches('riskLastUpdatedDateTime eq 2024-03-01T10:00:00.0000000Z')).toBe(true);
    // What is pushed down to storage is the same comparison on whole milliseconds.
    expect(parseFilter(`riskLastUpdatedDateTime ge ${literal}`, riskyUsersQuery)).toEqual({
      kind: 'comparison',
      property: 'riskLastUpdatedDateTime',
      operator: 'gt',
      literal: { type: 'datetime', epochMs: Date.parse('2024-03-01T10:00:00.000Z') },
    });
  });

  it('compares datetimes as instants whatever the literal offset', () => {
    expect(matches('riskLastUpdatedDateTime eq 2024-03-01T11:00:00+01:00')).toBe(true);
    expect(matches('riskLastUpdatedDateTime gt 2024-03-01T09:59:59.999Z')).toBe(true);
    expect(matches('riskLastUpdatedDateTime ge 2024-03-01T10:00:00Z')).toBe(true);
    expect(matches('riskLastUpdatedDateTime lt 2024-03-01T10:00:00Z')).toBe(false);
    expect(matches('riskLastUpdatedDateTime le 2024-03-01T05:00:00-05:00')).toBe(true);
    expect(
      matches('riskLastUpdatedDateTime gt 2024-03-01T10:00:00Z', {
        ...user,
        riskLastUpdatedDateTime: new Date('2024-03-01T10:00:00.001Z'),
      }),
    ).toBe(true);
  });

  it('applies and before or, and parentheses', () => {
    const high = { ...user, riskLevel: 'high', isProcessing: true };
    expect(matches("riskLevel eq 'high' or riskLevel eq 'medium' and isProcessing eq true", high)).toBe(true);
    expect(matches("riskLevel eq 'high' or riskLevel eq 'medium' and isProcessing eq true")).toBe(false);
    expect(matches("(riskLevel eq 'high' or riskLevel eq 'medium') and isProcessing eq true")).toBe(false);
    expect(matches("(riskLevel eq 'high' or riskLevel eq 'medium') and isProcessing eq false")).toBe(true);
  });

  it('treats a missing value like OData null: only ne matches', () => {
    const bare = { id: user.id };
    expect(matches("riskLevel eq 'high'", bare)).toBe(false);
    expect(matches("riskLevel ne 'high'", bare)).toBe(true);
    expect(matches("riskLevel lt 'high'", bare)).toBe(false);
    expect(
      matches('riskLastUpdatedDateTime lt 2030-01-01T00:00:00Z', { ...user, riskLastUpdatedDateTime: 'n/a' }),
    ).toBe(false);
  });

  it('never reads inherited properties', () => {
    const node = {
      kind: 'comparison',
      property: 'constructor',
      operator: 'eq',
      literal: { type: 'string', value: 'x' },
    } as const;
    expect(evaluateFilter(node, {})).toBe(false);
  });

  it('evaluates constants', () => {
    expect(evaluateFilter(constant(true), user)).toBe(true);
    expect(evaluateFilter(constant(false), user)).toBe(false);
  });

  it('evaluates detection filters', () => {
    const detection = {
      id: 'd1',
      userId: 'U1',
      riskEventType: 'unlikelyTravel',
      activity: 'signin',
      detectionTimingType: 'offline',
      detectedDateTime: new Date('2024-05-01T00:00:00Z'),
    };
    const node = parseFilter(
      "userId eq 'u1' and detectionTimingType ne 'realtime' and activity eq microsoft.graph.activityType'signin'",
      riskDetectionsQuery,
    );
    expect(evaluateFilter(node, detection)).toBe(true);
  });
});
