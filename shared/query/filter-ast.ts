/**
 * The parsed form of a `$filter`: plain, JSON-serialisable data, so callers can inspect and
 * rewrite it (e.g. premium masking of `riskEventType`, R-L2) before evaluating or compiling it.
 */
export type ComparisonOperator = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';

export const comparisonOperators: readonly ComparisonOperator[] = ['eq', 'ne', 'gt', 'ge', 'lt', 'le'];

export interface EnumLiteral {
  readonly type: 'enum';
  readonly enumType: string;
  /** Canonical member name. */
  readonly value: string;
  /** All members in comparison order, carried so evaluation needs no schema. */
  readonly values: readonly string[];
}

export type FilterLiteral =
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'boolean'; readonly value: boolean }
  /** An instant, in milliseconds since the epoch (a literal between two is compared as such by the parser). */
  | { readonly type: 'datetime'; readonly epochMs: number }
  | EnumLiteral;

export interface ComparisonNode {
  readonly kind: 'comparison';
  /** Canonical property name. */
  readonly property: string;
  readonly operator: ComparisonOperator;
  readonly literal: FilterLiteral;
}

export interface LogicalNode {
  readonly kind: 'and' | 'or';
  readonly operands: readonly FilterNode[];
}

/**
 * "Always" or "never": what a rewrite replaces a comparison by, and what the parser makes of
 * equality with an instant between two whole milliseconds.
 */
export interface ConstantNode {
  readonly kind: 'constant';
  readonly value: boolean;
}

export type FilterNode = ComparisonNode | LogicalNode | ConstantNode;
