import type { FilterNode } from './filter-ast';
import { compareToLiteral, satisfies } from './filter-ordering';

/**
 * Whether an entity (in its Graph shape, keyed by property name) matches the filter. Enums
 * compare by member order (riskLevel: none < low < medium < high), strings
 * case-insensitively, datetimes (Date or ISO string) as instants; a missing value matches
 * only `ne`.
 */
export function evaluateFilter(node: FilterNode, entity: Readonly<Record<string, unknown>>): boolean {
  switch (node.kind) {
    case 'constant':
      return node.value;
    case 'and':
      return node.operands.every((operand) => evaluateFilter(operand, entity));
    case 'or':
      return node.operands.some((operand) => evaluateFilter(operand, entity));
    case 'comparison':
      return satisfies(node.operator, compareToLiteral(ownValue(entity, node.property), node.literal));
  }
}

// Own properties only, so a property name can never reach Object.prototype members.
function ownValue(entity: Readonly<Record<string, unknown>>, property: string): unknown {
  return Object.hasOwn(entity, property) ? entity[property] : undefined;
}
