import type { ComparisonOperator, EnumLiteral, FilterLiteral } from './filter-ast';

/**
 * Orders a stored value against a literal: negative, zero or positive; `undefined` when the
 * stored value is missing or not of the literal's kind, which — as OData's null does —
 * satisfies only `ne`. Strings compare case-insensitively (Graph matches UPNs and ids that
 * way) by UTF-16 code units, the order Table Storage uses, so pushed-down and in-memory
 * filtering agree.
 */
export function compareToLiteral(stored: unknown, literal: FilterLiteral): number | undefined {
  switch (literal.type) {
    case 'string':
      return typeof stored === 'string'
        ? compareCodeUnits(stored.toLowerCase(), literal.value.toLowerCase())
        : undefined;
    case 'boolean':
      return typeof stored === 'boolean' ? Number(stored) - Number(literal.value) : undefined;
    case 'datetime': {
      const epochMs = toEpochMs(stored);
      return epochMs === undefined ? undefined : Math.sign(epochMs - literal.epochMs);
    }
    case 'enum': {
      const rank = typeof stored === 'string' ? literal.values.indexOf(stored) : -1;
      return rank < 0 ? undefined : Math.sign(rank - literal.values.indexOf(literal.value));
    }
  }
}

/** Whether an ordering result satisfies the operator. */
export function satisfies(operator: ComparisonOperator, order: number | undefined): boolean {
  if (order === undefined) return operator === 'ne';
  switch (operator) {
    case 'eq':
      return order === 0;
    case 'ne':
      return order !== 0;
    case 'gt':
      return order > 0;
    case 'ge':
      return order >= 0;
    case 'lt':
      return order < 0;
    case 'le':
      return order <= 0;
  }
}

/** The enum members a stored value may hold to satisfy `property <operator> literal`. */
export function enumMembersSatisfying(operator: ComparisonOperator, literal: EnumLiteral): string[] {
  return literal.values.filter((member) => satisfies(operator, compareToLiteral(member, literal)));
}

function compareCodeUnits(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

function toEpochMs(stored: unknown): number | undefined {
  const epochMs =
    stored instanceof Date ? stored.getTime() : typeof stored === 'string' ? Date.parse(stored) : Number.NaN;
  return Number.isNaN(epochMs) ? undefined : epochMs;
}
