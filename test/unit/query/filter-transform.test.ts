import { describe, expect, it } from 'vitest';
import {
  anyOf,
  collectComparisons,
  comparison,
  constant,
  evaluateFilter,
  formatFilter,
  mapComparisons,
  parseFilter,
  riskDetectionsQuery,
  simplifyFilter,
  type FilterNode,
} from '../../../shared/query';

const premium = new Set(['unlikelyTravel', 'anomalousToken']);

// What a caller does for an unlicensed tenant (R-L1, R-L2): premium types show as 'generic', so
// 'generic' also finds stored premium rows and a premium type finds nothing.
const maskForUnlicensed = (node: FilterNode): FilterNode =>
  mapComparisons(node, (c) => {
    if (c.property !== 'riskEventType' || c.literal.type !== 'string' || c.operator !== 'eq') return c;
    const wanted = c.literal.value.toLowerCase();
    if ([...premium].some((type) => type.toLowerCase() === wanted)) return constant(false);
    if (wanted !== 'generic') return c;
    return anyOf([
      c,
      ...[...premium].map((type) => comparison(c.property, 'eq', { type: 'string', value: type })),
    ]);
  });

describe('filter AST is inspectable and rewritable (R-L2 masking of riskEventType)', () => {
  it('lists the comparisons of a filter', () => {
    const node = parseFilter(
      "riskEventType eq 'generic' and (riskLevel eq 'high' or userId eq 'u')",
      riskDetectionsQuery,
    );
    expect(collectComparisons(node).map((c) => c.property)).toEqual(['riskEventType', 'riskLevel', 'userId']);
  });

  it("rewrites 'generic' to also find premium types", () => {
    const node = maskForUnlicensed(parseFilter("riskEventType eq 'generic'", riskDetectionsQuery));
    expect(formatFilter(node)).toBe(
      "riskEventType eq 'generic' or riskEventType eq 'unlikelyTravel' or riskEventType eq 'anomalousToken'",
    );
    expect(evaluateFilter(node, { riskEventType: 'unlikelyTravel' })).toBe(true);
  });

  it('rewrites a premium type to find nothing, which simplifies to false', () => {
    const node = maskForUnlicensed(
      parseFilter("riskEventType eq 'unlikelyTravel' and riskLevel eq 'high'", riskDetectionsQuery),
    );
    expect(simplifyFilter(node)).toEqual(constant(false));
    expect(evaluateFilter(node, { riskEventType: 'unlikelyTravel', riskLevel: 'high' })).toBe(false);
  });

  it('folds constants out of ors and ands', () => {
    const high = parseFilter("riskLevel eq 'high'", riskDetectionsQuery);
    expect(simplifyFilter({ kind: 'or', operands: [constant(false), high] })).toEqual(high);
    expect(simplifyFilter({ kind: 'or', operands: [constant(true), high] })).toEqual(constant(true));
    expect(simplifyFilter({ kind: 'and', operands: [constant(true), high] })).toEqual(high);
    expect(simplifyFilter({ kind: 'and', operands: [constant(true), constant(true)] })).toEqual(
      constant(true),
    );
  });
});
