import { describe, expect, it } from 'vitest';
import {
  allOf,
  comparison,
  compileToTableFilter,
  constant,
  parseFilter,
  riskDetectionsQuery,
  riskyUsersQuery,
  type TableColumnMap,
} from '../../../shared/query';
import { expectBadRequest } from './expect-bad-request';

const columns: TableColumnMap = {
  id: { column: 'UserId', storedAs: 'lowercaseString' },
  userPrincipalName: { column: 'UpnLower', storedAs: 'lowercaseString' },
  userDisplayName: { column: 'DisplayName', storedAs: 'string' },
  riskLevel: { column: 'RiskLevel', storedAs: 'enumString' },
  riskState: { column: 'RiskState', storedAs: 'enumString' },
  isProcessing: { column: 'IsProcessing', storedAs: 'boolean' },
  riskLastUpdatedDateTime: { column: 'RiskLastUpdated', storedAs: 'dateTime' },
};

const compile = (filter: string, map: TableColumnMap = columns): string | undefined =>
  compileToTableFilter(parseFilter(filter, riskyUsersQuery), map);

describe('compileToTableFilter — push-down through odata', () => {
  it('compiles enum, boolean and datetime comparisons', () => {
    expect(compile("riskLevel eq microsoft.graph.riskLevel'high'")).toBe("RiskLevel eq 'high'");
    expect(compile("riskState ne 'dismissed'")).toBe("RiskState ne 'dismissed'");
    expect(compile('isProcessing eq true')).toBe('IsProcessing eq true');
    expect(compile('riskLastUpdatedDateTime ge 2024-01-01T01:00:00+01:00')).toBe(
      "RiskLastUpdated ge datetime'2024-01-01T00:00:00.000Z'",
    );
  });

  it('compiles datetimes stored as ISO strings as fixed-width strings', () => {
    const map: TableColumnMap = { riskLastUpdatedDateTime: { column: 'Updated', storedAs: 'isoString' } };
    expect(compile('riskLastUpdatedDateTime lt 2024-01-01T00:00:00.5Z', map)).toBe(
      "Updated lt '2024-01-01T00:00:00.500Z'",
    );
  });

  it('lower-cases literals for lower-cased string columns and never pushes case-preserving ones', () => {
    expect(compile("userPrincipalName eq 'Alice@Contoso.com'")).toBe("UpnLower eq 'alice@contoso.com'");
    expect(compile("userDisplayName eq 'Alice'")).toBeUndefined();
  });

  it('expands ordered enum comparisons to an or of the allowed members', () => {
    expect(compile("riskLevel ge 'medium'")).toBe(
      "RiskLevel eq 'medium' or RiskLevel eq 'high' or RiskLevel eq 'hidden' or RiskLevel eq 'unknownFutureValue'",
    );
    expect(compile("riskLevel lt 'medium'")).toBe("RiskLevel eq 'none' or RiskLevel eq 'low'");
    expect(compile("riskLevel le 'none'")).toBe("RiskLevel eq 'none'");
    expect(compile("riskLevel ge 'none'")).toBeUndefined();
  });

  it('parenthesises nested groups, keeping and tighter than or', () => {
    expect(compile("riskLevel eq 'high' or riskLevel eq 'low' and isProcessing eq true")).toBe(
      "RiskLevel eq 'high' or (RiskLevel eq 'low' and IsProcessing eq true)",
    );
    expect(compile("(riskLevel eq 'high' or riskLevel eq 'low') and isProcessing eq true")).toBe(
      "(RiskLevel eq 'high' or RiskLevel eq 'low') and IsProcessing eq true",
    );
    expect(compile("riskLevel gt 'medium' and riskState eq 'atRisk'")).toBe(
      "(RiskLevel eq 'high' or RiskLevel eq 'hidden' or RiskLevel eq 'unknownFutureValue') and RiskState eq 'atRisk'",
    );
  });

  it('drops unmapped comparisons from an and, and an or with an unmapped branch entirely', () => {
    const partial: TableColumnMap = { riskLevel: columns.riskLevel };
    expect(compile("riskLevel eq 'high' and isProcessing eq true", partial)).toBe("RiskLevel eq 'high'");
    expect(compile("riskLevel eq 'high' or isProcessing eq true", partial)).toBeUndefined();
    expect(compile('isProcessing eq true', partial)).toBeUndefined();
  });

  it('folds constants from caller rewrites', () => {
    const high = comparison('riskLevel', 'eq', {
      type: 'enum',
      enumType: 'riskLevel',
      value: 'high',
      values: ['none', 'low', 'medium', 'high'],
    });
    expect(compileToTableFilter({ kind: 'or', operands: [high, constant(false)] }, columns)).toBe(
      "RiskLevel eq 'high'",
    );
    expect(compileToTableFilter({ kind: 'or', operands: [high, constant(true)] }, columns)).toBeUndefined();
    expect(compileToTableFilter(allOf([high, constant(true)]), columns)).toBe("RiskLevel eq 'high'");
    expect(compileToTableFilter(constant(false), columns)).toBeUndefined();
  });

  it("stays within Azure's 15-comparison limit after expansion (one kept for PartitionKey)", () => {
    // 4 + 4 + 4 + 4 = 16 comparisons once expanded: the last and-operand no longer fits.
    const filter = Array.from({ length: 4 }, () => "riskLevel ge 'medium'").join(' and ');
    const compiled = compile(filter) ?? '';
    expect(compiled.match(/ eq /g)).toHaveLength(12);
    // An or cannot be cut, so it is not pushed down at all.
    expect(compile(Array.from({ length: 4 }, () => "riskLevel ge 'medium'").join(' or '))).toBeUndefined();
    expect(
      compileToTableFilter(parseFilter("riskLevel ge 'medium'", riskyUsersQuery), columns, {
        maxComparisons: 3,
      }),
    ).toBeUndefined();
  });

  it('rejects a column map whose kind does not fit the property', () => {
    expect(() =>
      compile("riskLevel eq 'high'", { riskLevel: { column: 'RiskLevel', storedAs: 'boolean' } }),
    ).toThrow(/mapped as boolean/);
    expect(() =>
      compile("riskLevel eq 'high'", { riskLevel: { column: "x' or 1", storedAs: 'enumString' } }),
    ).toThrow(/not a valid column name/);
  });
});

describe('compileToTableFilter — injection attempts never escape (R-A1, R-X1)', () => {
  it("cannot reach PartitionKey: 'riskLevel eq 'high' or PartitionKey ne ''' is a 400", () => {
    expectBadRequest(
      () => compile("riskLevel eq 'high' or PartitionKey ne ''"),
      "unknown property 'PartitionKey'",
    );
  });

  it('keeps quotes inside the literal', () => {
    const compiled = compile("userPrincipalName eq 'x'' or ''1''=''1'");
    expect(compiled).toBe("UpnLower eq 'x'' or ''1''=''1'");
    // Exactly one string literal: the quotes balance and nothing follows it.
    expect(compiled).toMatch(/^UpnLower eq '(?:[^']|'')*'$/);
  });

  it('keeps an attempt to close the literal and append a clause inside the literal', () => {
    const compiled = compile("userPrincipalName eq 'a'' or PartitionKey ne '''");
    expect(compiled).toBe("UpnLower eq 'a'' or partitionkey ne '''");
    expect(compiled).toMatch(/^UpnLower eq '(?:[^']|'')*'$/);
  });

  it('cannot smuggle operators through enum or boolean literals', () => {
    expectBadRequest(() => compile("riskLevel eq 'high'' or ''a'' eq ''a'"), 'is not a riskLevel');
    expectBadRequest(() => compile('isProcessing eq true or 1 eq 1'), 'unknown property');
    expectBadRequest(
      () => compile("riskLevel eq microsoft.graph.riskLevel'high' or true"),
      "unknown property 'true'",
    );
  });

  it('compiles detection filters with the caller-provided columns only', () => {
    const compiled = compileToTableFilter(
      parseFilter("userId eq 'U1' and riskEventType eq 'x'') or (''a''=''a'", riskDetectionsQuery),
      {
        userId: { column: 'UserId', storedAs: 'lowercaseString' },
        riskEventType: { column: 'RiskEventType', storedAs: 'lowercaseString' },
      },
    );
    expect(compiled).toBe("UserId eq 'u1' and RiskEventType eq 'x'') or (''a''=''a'");
  });
});
