import type { FilterLiteral, FilterNode } from './filter-ast';

/**
 * Canonical `$filter` text for a tree: canonical property and member names, short enum form,
 * datetimes as UTC instants. Equal trees give equal text, which the query fingerprint relies
 * on; the text is also valid input for `parseFilter`.
 */
export function formatFilter(node: FilterNode): string {
  switch (node.kind) {
    case 'constant':
      return String(node.value);
    case 'comparison':
      return `${node.property} ${node.operator} ${formatLiteral(node.literal)}`;
    case 'and':
    case 'or':
      return node.operands
        .map((operand) =>
          operand.kind === 'and' || operand.kind === 'or'
            ? `(${formatFilter(operand)})`
            : formatFilter(operand),
        )
        .join(` ${node.kind} `);
  }
}

function formatLiteral(literal: FilterLiteral): string {
  switch (literal.type) {
    case 'string':
    case 'enum':
      return `'${literal.value.replace(/'/g, "''")}'`;
    case 'boolean':
      return String(literal.value);
    case 'datetime':
      return new Date(literal.epochMs).toISOString();
  }
}
