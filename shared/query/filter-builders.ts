import type {
  ComparisonNode,
  ComparisonOperator,
  ConstantNode,
  FilterLiteral,
  FilterNode,
} from './filter-ast';

/** Builds one comparison node. */
export function comparison(
  property: string,
  operator: ComparisonOperator,
  literal: FilterLiteral,
): ComparisonNode {
  return { kind: 'comparison', property, operator, literal };
}

/** A node that always (`true`) or never (`false`) matches. */
export function constant(value: boolean): ConstantNode {
  return { kind: 'constant', value };
}

/** Conjunction of the nodes; nested `and`s are flattened, an empty list is `true`. */
export function allOf(nodes: readonly FilterNode[]): FilterNode {
  return combine('and', nodes);
}

/** Disjunction of the nodes; nested `or`s are flattened, an empty list is `false`. */
export function anyOf(nodes: readonly FilterNode[]): FilterNode {
  return combine('or', nodes);
}

function combine(kind: 'and' | 'or', nodes: readonly FilterNode[]): FilterNode {
  const operands = nodes.flatMap((node) => (node.kind === kind ? node.operands : [node]));
  if (operands.length === 0) return constant(kind === 'and');
  if (operands.length === 1 && operands[0] !== undefined) return operands[0];
  return { kind, operands };
}
