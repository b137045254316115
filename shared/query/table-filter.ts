import { odata } from '@azure/data-tables';
import type { ComparisonNode, ComparisonOperator, FilterLiteral, FilterNode } from './filter-ast';
import { enumMembersSatisfying } from './filter-ordering';
import { queryLimits } from './limits';

/**
 * How a property is stored in a table row:
 * - `lowercaseString`: a string column holding the value lower-cased, so Graph's
 *   case-insensitive comparisons can be pushed down with a lower-cased literal;
 * - `string`: a case-preserving string column; never pushed down (Table Storage compares
 *   case-sensitively, which would drop rows the case-insensitive filter matches);
 * - `enumString`: the canonical enum member as a string;
 * - `boolean`: an Edm.Boolean column;
 * - `dateTime`: an Edm.DateTime column (compared as `datetime'…'`);
 * - `isoString`: a string from `Date.prototype.toISOString()`, whose fixed width makes
 *   string order chronological.
 */
export type TableStoredAs =
  'lowercaseString' | 'string' | 'enumString' | 'boolean' | 'dateTime' | 'isoString';

export interface TableColumn {
  /** Column name; must be an identifier (it is written into the filter as is). */
  readonly column: string;
  readonly storedAs: TableStoredAs;
}

/** Canonical property name → stored column. Properties left out are never pushed down. */
export type TableColumnMap = Readonly<Record<string, TableColumn | undefined>>;

export interface CompileOptions {
  /**
   * Comparisons the result may contain (capped at Table Storage's 15). Defaults to 14, leaving
   * room for the caller's own `PartitionKey eq …`.
   */
  readonly maxComparisons?: number;
}

interface CompiledText {
  readonly kind: 'text';
  readonly text: string;
  readonly comparisons: number;
  readonly composite: boolean;
}
type Compiled = { readonly kind: 'all' } | { readonly kind: 'none' } | CompiledText;

const all: Compiled = { kind: 'all' };
const none: Compiled = { kind: 'none' };
const columnPattern = /^[A-Za-z_][A-Za-z0-9_]{0,254}$/;

// One template per operator so every literal goes through `odata`, which quotes strings,
// doubles embedded quotes and encodes Dates; nothing a client typed is concatenated.
const renderComparison: Record<ComparisonOperator, (value: string | boolean | Date) => string> = {
  eq: (value) => odata` eq ${value}`,
  ne: (value) => odata` ne ${value}`,
  gt: (value) => odata` gt ${value}`,
  ge: (value) => odata` ge ${value}`,
  lt: (value) => odata` lt ${value}`,
  le: (value) => odata` le ${value}`,
};

/**
 * Compiles the part of a filter that stored columns can answer into a Table Storage
 * `$filter`, or returns `undefined` when nothing can be pushed down. The result is a
 * necessary condition, not always a sufficient one: unmapped comparisons inside an `and` are
 * dropped, an `or` with an unmapped branch is dropped whole, ordered enum comparisons
 * (`riskLevel ge 'medium'`) become an `or` of the members they allow, and parts that would
 * exceed the comparison budget are left out. Callers therefore always post-filter the rows
 * with `evaluateFilter`. Rows are assumed to carry every mapped column.
 *
 * A `constant(false)` filter also yields `undefined`; check `simplifyFilter` first to skip
 * the query entirely.
 */
export function compileToTableFilter(
  node: FilterNode,
  columnMap: TableColumnMap,
  options: CompileOptions = {},
): string | undefined {
  const budget = Math.min(
    options.maxComparisons ?? queryLimits.tableMaxComparisons - 1,
    queryLimits.tableMaxComparisons,
  );
  const compiled = compile(node, columnMap, budget);
  return compiled.kind === 'text' ? compiled.text : undefined;
}

function compile(node: FilterNode, columnMap: TableColumnMap, budget: number): Compiled {
  switch (node.kind) {
    case 'constant':
      return node.value ? all : none;
    case 'comparison':
      return compileComparison(node, columnMap, budget);
    case 'and': {
      // Greedy: any subset of an `and`'s operands is still a necessary condition.
      const parts: CompiledText[] = [];
      let remaining = budget;
      for (const operand of node.operands) {
        const part = compile(operand, columnMap, remaining);
        if (part.kind === 'none') return none;
        if (part.kind === 'text') {
          parts.push(part);
          remaining -= part.comparisons;
        }
      }
      return join('and', parts);
    }
    case 'or': {
      const parts: CompiledText[] = [];
      let remaining = budget;
      for (const operand of node.operands) {
        const part = compile(operand, columnMap, remaining);
        if (part.kind === 'all') return all;
        if (part.kind === 'text') {
          parts.push(part);
          remaining -= part.comparisons;
        }
      }
      return parts.length === 0 ? none : join('or', parts);
    }
  }
}

function join(keyword: 'and' | 'or', parts: readonly CompiledText[]): Compiled {
  const [first] = parts;
  if (first === undefined) return all;
  if (parts.length === 1) return first;
  return {
    kind: 'text',
    text: parts.map((part) => (part.composite ? `(${part.text})` : part.text)).join(` ${keyword} `),
    comparisons: parts.reduce((sum, part) => sum + part.comparisons, 0),
    composite: true,
  };
}

function compileComparison(node: ComparisonNode, columnMap: TableColumnMap, budget: number): Compiled {
  const mapping = Object.hasOwn(columnMap, node.property) ? columnMap[node.property] : undefined;
  if (mapping === undefined) return all;
  if (!columnPattern.test(mapping.column)) {
    throw new Error(`Column map: '${mapping.column}' (for '${node.property}') is not a valid column name`);
  }
  assertCompatible(node, mapping);
  const { literal, operator } = node;

  if (literal.type === 'enum' && operator !== 'eq' && operator !== 'ne') {
    const members = enumMembersSatisfying(operator, literal);
    if (members.length === 0) return none;
    if (members.length === literal.values.length || members.length > budget) return all;
    return join(
      'or',
      members.map((member) => single(mapping.column, 'eq', member)),
    );
  }

  if (budget < 1 || mapping.storedAs === 'string') return all;
  return single(mapping.column, operator, storedValue(literal, mapping.storedAs));
}

function single(column: string, operator: ComparisonOperator, value: string | boolean | Date): CompiledText {
  return {
    kind: 'text',
    text: `${column}${renderComparison[operator](value)}`,
    comparisons: 1,
    composite: false,
  };
}

function storedValue(literal: FilterLiteral, storedAs: TableStoredAs): string | boolean | Date {
  switch (literal.type) {
    case 'string':
      return storedAs === 'lowercaseString' ? literal.value.toLowerCase() : literal.value;
    case 'enum':
    case 'boolean':
      return literal.value;
    case 'datetime':
      return storedAs === 'isoString' ? new Date(literal.epochMs).toISOString() : new Date(literal.epochMs);
  }
}

const compatible: Record<FilterLiteral['type'], readonly TableStoredAs[]> = {
  string: ['lowercaseString', 'string'],
  enum: ['enumString'],
  boolean: ['boolean'],
  datetime: ['dateTime', 'isoString'],
};

function assertCompatible(node: ComparisonNode, mapping: TableColumn): void {
  if (!compatible[node.literal.type].includes(mapping.storedAs)) {
    throw new Error(
      `Column map: '${node.property}' is compared as ${node.literal.type} but mapped as ${mapping.storedAs}`,
    );
  }
}
