import { describe, expect, it } from 'vitest';
import {
  comparisonOperators,
  formatFilter,
  parseFilter,
  queryLimits,
  riskDetectionsQuery,
  riskyUsersQuery,
  signInsQuery,
  type FilterNode,
} from '../../../shared/query';
import { riskDetails } from '../../../shared/domain/levels';
import { riskDetailValues } from '../../../shared/query/graph-enums';
import { expectBadRequest } from './expect-bad-request';

const parseUsers = (text: string): FilterNode => parseFilter(text, riskyUsersQuery);

describe('parseFilter — SPEC §7 $filter on riskyUsers', () => {
  it('accepts both enum literal forms with the same result', () => {
    const short = parseUsers("riskLevel eq 'high'");
    const typed = parseUsers("riskLevel eq microsoft.graph.riskLevel'high'");
    expect(typed).toEqual(short);
    expect(short).toMatchObject({
      kind: 'comparison',
      property: 'riskLevel',
      operator: 'eq',
      literal: { type: 'enum', enumType: 'riskLevel', value: 'high' },
    });
  });

  it('uses the per-property enum type name in the typed form', () => {
    expect(
      parseFilter(
        "detectionTimingType eq microsoft.graph.riskDetectionTimingType'offline'",
        riskDetectionsQuery,
      ),
    ).toMatchObject({ literal: { type: 'enum', value: 'offline' } });
    expect(
      parseFilter("activity eq microsoft.graph.activityType'signin'", riskDetectionsQuery),
    ).toMatchObject({
      literal: { type: 'enum', value: 'signin' },
    });
    expect(
      parseFilter("riskLevelAggregated ge microsoft.graph.riskLevel'medium'", signInsQuery),
    ).toMatchObject({
      property: 'riskLevelAggregated',
      operator: 'ge',
    });
  });

  it('treats operators and keywords case-insensitively', () => {
    expect(parseUsers("riskLevel EQ 'high' AND isProcessing Eq TRUE")).toEqual(
      parseUsers("riskLevel eq 'high' and isProcessing eq true"),
    );
  });

  it('maps property names case-insensitively to the canonical name', () => {
    expect(parseUsers("RISKLEVEL eq 'high'")).toEqual(parseUsers("riskLevel eq 'high'"));
    expect(parseUsers("userprincipalname eq 'a@b'")).toMatchObject({ property: 'userPrincipalName' });
  });

  it('maps enum members case-insensitively to the canonical member', () => {
    expect(parseUsers("riskState eq 'ATRISK'")).toMatchObject({ literal: { value: 'atRisk' } });
  });

  it.each(comparisonOperators)('parses the %s operator', (operator) => {
    expect(parseUsers(`riskLastUpdatedDateTime ${operator} 2024-01-01T00:00:00Z`)).toMatchObject({
      kind: 'comparison',
      operator,
    });
  });

  it('binds and tighter than or', () => {
    const node = parseUsers("riskLevel eq 'high' or riskLevel eq 'low' and isProcessing eq true");
    expect(formatFilter(node)).toBe("riskLevel eq 'high' or (riskLevel eq 'low' and isProcessing eq true)");
    expect(node.kind).toBe('or');
  });

  it('honours parentheses', () => {
    const node = parseUsers("(riskLevel eq 'high' or riskLevel eq 'low') and isProcessing eq true");
    expect(node.kind).toBe('and');
    expect(formatFilter(node)).toBe("(riskLevel eq 'high' or riskLevel eq 'low') and isProcessing eq true");
  });

  it('accepts parentheses without surrounding spaces and redundant ones', () => {
    expect(parseUsers("((riskLevel eq 'high'))")).toEqual(parseUsers("riskLevel eq 'high'"));
    expect(formatFilter(parseUsers("(riskLevel eq 'high')or(riskState eq 'atRisk')"))).toBe(
      "riskLevel eq 'high' or riskState eq 'atRisk'",
    );
  });

  it("unescapes '' inside string literals", () => {
    expect(parseUsers("userPrincipalName eq 'o''brien@contoso.com'")).toMatchObject({
      literal: { type: 'string', value: "o'brien@contoso.com" },
    });
  });

  it('parses booleans', () => {
    expect(parseUsers('isProcessing eq false')).toMatchObject({ literal: { type: 'boolean', value: false } });
  });

  it('parses DateTimeOffset literals with fractions and offsets as instants', () => {
    const at = (text: string): unknown =>
      (parseUsers(`riskLastUpdatedDateTime ge ${text}`) as { literal: unknown }).literal;
    const instant = { type: 'datetime', epochMs: Date.parse('2024-01-01T00:00:00.000Z') };
    expect(at('2024-01-01T00:00:00Z')).toEqual(instant);
    expect(at('2024-01-01T00:00Z')).toEqual(instant);
    expect(at('2024-01-01T01:00:00+01:00')).toEqual(instant);
    expect(at('2023-12-31T19:00:00.0000000-05:00')).toEqual(instant);
    expect(at('2024-01-01T00:00:00.1234567Z')).toEqual({ type: 'datetime', epochMs: instant.epochMs + 123 });
  });

  it("rejoins a DateTimeOffset's +hh:mm offset whose '+' was decoded as a space", () => {
    expect(parseUsers('riskLastUpdatedDateTime ge 2024-01-01T01:00:00 01:00')).toEqual(
      parseUsers('riskLastUpdatedDateTime ge 2024-01-01T00:00:00Z'),
    );
  });
});

describe('parseFilter — rejections are 400s naming the problem (R-X1)', () => {
  it('rejects an unknown property', () => {
    expectBadRequest(() => parseUsers("foo eq 'x'"), "Invalid $filter: unknown property 'foo'", 'position 1');
  });

  it('rejects properties the entity set does not filter on', () => {
    expectBadRequest(
      () => parseFilter("riskDetail eq 'none'", signInsQuery),
      "unknown property 'riskDetail'",
    );
    expectBadRequest(() => parseUsers("PartitionKey ne ''"), "unknown property 'PartitionKey'");
  });

  it('rejects an enum value that is not a member', () => {
    expectBadRequest(() => parseUsers("riskLevel eq 'extreme'"), "value 'extreme' is not a riskLevel");
  });

  it('accepts every riskDetail member Graph declares, including ones riskloop never produces, and every one it does', () => {
    for (const detail of [...riskDetailValues, ...riskDetails])
      expect(parseUsers(`riskDetail eq '${detail}'`)).toMatchObject({
        literal: { type: 'enum', value: detail },
      });
    expectBadRequest(() => parseUsers("riskDetail eq 'adminDismissedEverything'"), 'is not a riskDetail');
  });

  it('rejects a typed enum literal of another type', () => {
    expectBadRequest(
      () => parseUsers("riskState eq microsoft.graph.riskLevel'high'"),
      'microsoft.graph.riskState',
      'riskLevel',
    );
    expectBadRequest(() => parseUsers("riskLevel eq riskLevel'high'"), 'microsoft.graph.riskLevel');
  });

  it('rejects literals of the wrong type for the property', () => {
    expectBadRequest(() => parseUsers('riskLevel eq high'), "'riskLevel' expects 'value'");
    expectBadRequest(() => parseUsers("isProcessing eq 'true'"), "'isProcessing' expects true or false");
    expectBadRequest(() => parseUsers('userPrincipalName eq alice'), "'userPrincipalName' expects a string");
    expectBadRequest(
      () => parseUsers("riskLastUpdatedDateTime ge '2024-01-01T00:00:00Z'"),
      "'riskLastUpdatedDateTime' expects an unquoted DateTimeOffset",
    );
    expectBadRequest(
      () => parseUsers("userPrincipalName eq microsoft.graph.riskLevel'high'"),
      "'userPrincipalName' expects a string",
    );
  });

  it('rejects impossible datetimes', () => {
    expectBadRequest(
      () => parseUsers('riskLastUpdatedDateTime ge 2024-02-30T00:00:00Z'),
      "'2024-02-30T00:00:00Z' is not",
    );
    expectBadRequest(() => parseUsers('riskLastUpdatedDateTime ge 2024-01-01'), 'DateTimeOffset');
    expectBadRequest(() => parseUsers('riskLastUpdatedDateTime ge 2024-01-01T00:00:00'), 'DateTimeOffset');
    // Valid as written, but in UTC past year 9999: stored times could not be compared with it.
    expectBadRequest(
      () => parseUsers('riskLastUpdatedDateTime lt 9999-12-31T23:30:00-01:00'),
      "'9999-12-31T23:30:00-01:00' is not",
    );
    expectBadRequest(() => parseUsers('riskLastUpdatedDateTime gt 0000-01-01T00:30:00+01:00'), 'is not');
    expect(() => parseUsers('riskLastUpdatedDateTime lt 9999-12-31T23:59:59.999Z')).not.toThrow();
  });

  it('rejects ordering operators on booleans', () => {
    expectBadRequest(() => parseUsers('isProcessing gt false'), "operator 'gt' is not supported");
  });

  it('rejects functions such as startswith', () => {
    expectBadRequest(
      () => parseUsers("startswith(userPrincipalName, 'a')"),
      "function 'startswith' is not supported",
    );
    expectBadRequest(() => parseUsers("tolower(userPrincipalName) eq 'a'"), "function 'tolower'");
  });

  it('rejects not, in, has and lambdas', () => {
    expectBadRequest(() => parseUsers("not riskLevel eq 'high'"), "the 'not' operator is not supported");
    expectBadRequest(() => parseUsers("riskLevel in ('high')"), "the 'in' operator is not supported");
    expectBadRequest(() => parseUsers("riskLevel has 'high'"), "the 'has' operator is not supported");
    expectBadRequest(() => parseUsers("history/any(h: h eq 'x')"), 'not supported');
  });

  it('rejects null comparisons', () => {
    expectBadRequest(() => parseUsers('riskLevel eq null'), 'null');
  });

  it('rejects trailing garbage', () => {
    expectBadRequest(
      () => parseUsers("riskLevel eq 'high' riskState"),
      "unexpected 'riskState'",
      'position 21',
    );
    expectBadRequest(() => parseUsers("riskLevel eq 'high')"), "unexpected ')'");
    expectBadRequest(() => parseUsers("riskLevel eq 'high' and"), 'expected a property name');
  });

  it('rejects broken structure', () => {
    expectBadRequest(() => parseUsers("(riskLevel eq 'high'"), "expected ')'");
    expectBadRequest(() => parseUsers("riskLevel eq 'high"), 'unterminated string literal', 'position 14');
    expectBadRequest(() => parseUsers('riskLevel'), 'expected eq, ne, gt, ge, lt or le');
    expectBadRequest(() => parseUsers('riskLevel eq'), 'expected a value');
    expectBadRequest(() => parseUsers("and riskLevel eq 'high'"), "expected a comparison before 'and'");
    expectBadRequest(() => parseUsers("'high' eq riskLevel"), 'expected a property name');
    expectBadRequest(() => parseUsers("riskLevel eq 'high', 'low'"), "unexpected ','", 'position 20');
  });

  it('rejects an empty expression', () => {
    expectBadRequest(() => parseUsers('   '), 'empty');
  });

  it(`rejects a filter longer than ${queryLimits.maxFilterLength} characters`, () => {
    const long = `userPrincipalName eq '${'a'.repeat(queryLimits.maxFilterLength)}'`;
    expectBadRequest(() => parseUsers(long), `longer than ${queryLimits.maxFilterLength}`);
  });

  it(`rejects more than ${queryLimits.maxFilterComparisons} comparisons`, () => {
    const clauses = (n: number): string =>
      Array.from({ length: n }, () => "riskLevel eq 'high'").join(' or ');
    expect(() => parseUsers(clauses(queryLimits.maxFilterComparisons))).not.toThrow();
    expectBadRequest(
      () => parseUsers(clauses(queryLimits.maxFilterComparisons + 1)),
      `more than ${queryLimits.maxFilterComparisons} comparisons`,
    );
  });

  it(`rejects parentheses nested deeper than ${queryLimits.maxFilterDepth}`, () => {
    const nested = (n: number): string => `${'('.repeat(n)}riskLevel eq 'high'${')'.repeat(n)}`;
    expect(() => parseUsers(nested(queryLimits.maxFilterDepth))).not.toThrow();
    expectBadRequest(() => parseUsers(nested(queryLimits.maxFilterDepth + 1)), 'nested deeper');
  });

  it('survives deep nesting attempts without a stack overflow', () => {
    expectBadRequest(() => parseUsers('('.repeat(1900)), 'nested deeper');
  });
});
