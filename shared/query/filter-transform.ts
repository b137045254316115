import type { ComparisonNode, FilterNode } from './filter-ast';
import { allOf, anyOf, constant } from './filter-builders';

/**
 * Rebuilds the tree with every comparison replaced by what `replace` returns (return the
 * comparison itself to keep it). Use it to rewrite comparisons a caller cannot take literally,
 * e.g. `riskEventType` for a tenant whose premium detections are masked (R-L2).
 */
export function mapComparisons(
  node: FilterNode,
  replace: (comparison: ComparisonNode) => FilterNode,
): FilterNode {
  switch (node.kind) {
    case 'comparison':
      return replace(node);
    case 'constant':
      return node;
    case 'and':
      return allOf(node.operands.map((operand) => mapComparisons(operand, replace)));
    case 'or':
      return anyOf(node.operands.map((operand) => mapComparisons(operand, replace)));
  }
}

/** Every comparison in the tree, left to right. */
export function collectComparisons(node: FilterNode): ComparisonNode[] {
  switch (node.kind) {
    case 'comparison':
      return [node];
    case 'constant':
      return [];
    case 'and':
    case 'or':
      return node.operands.flatMap(collectComparisons);
  }
}

/**
 * Folds constants away: `false and x` → `false`, `true and x` → `x`, `true or x` → `true`,
 * `false or x` → `x`. A result of `constant(false)` means the query can return nothing
 * without reading storage.
 */
export function simplifyFilter(node: FilterNode): FilterNode {
  if (node.kind === 'comparison' || node.kind === 'constant') return node;
  const absorbing = node.kind === 'or';
  const operands: FilterNode[] = [];
  for (const operand of node.operands.map(simplifyFilter)) {
    if (operand.kind === 'constant') {
      if (operand.value === absorbing) return constant(absorbing);
      continue;
    }
    operands.push(operand);
  }
  return node.kind === 'and' ? allOf(operands) : anyOf(operands);
}
