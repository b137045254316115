import type { EntitySet } from './entity-set';
import { hasSubMillisecondDigits } from './datetime-literal';
import {
  comparisonOperators,
  type ComparisonOperator,
  type FilterLiteral,
  type FilterNode,
} from './filter-ast';
import { allOf, anyOf, comparison, constant } from './filter-builders';
import { filterError, quoteForMessage } from './filter-error';
import { tokenize, type Token } from './filter-lexer';
import { parseLiteral } from './filter-literal';
import { queryLimits } from './limits';

/**
 * A comparison with an instant between two whole milliseconds (`literal` holds the first),
 * as stored times all fall on whole milliseconds: after it (`gt`, `ge`) means after the first;
 * before it (`lt`, `le`) means at or before the first; equal to it, never.
 */
function betweenMilliseconds(
  property: string,
  operator: ComparisonOperator,
  literal: FilterLiteral,
): FilterNode {
  switch (operator) {
    case 'eq':
      return constant(false);
    case 'ne':
      return constant(true);
    case 'gt':
    case 'ge':
      return comparison(property, 'gt', literal);
    case 'lt':
    case 'le':
      return comparison(property, 'le', literal);
  }
}

const unsupportedOperators = new Set(['not', 'in', 'has', 'add', 'sub', 'mul', 'div', 'divby', 'mod']);
const orderedOperators = new Set<ComparisonOperator>(['gt', 'ge', 'lt', 'le']);

/**
 * Parses a decoded `$filter` value (see `decodeQueryValue` for raw query strings) against the
 * entity set's filterable properties. Grammar (keywords case-insensitive, `and` binds tighter
 * than `or`):
 *
 *     filter     := or
 *     or         := and ('or' and)*
 *     and        := primary ('and' primary)*
 *     primary    := '(' or ')' | property operator literal
 *     operator   := eq | ne | gt | ge | lt | le
 *
 * Every problem — unknown property, wrong literal for the property, unsupported operator or
 * function, trailing text, and the length/comparison/nesting limits — throws a 400 whose
 * message names it and its position.
 */
export function parseFilter(text: string, entitySet: EntitySet): FilterNode {
  if (text.length > queryLimits.maxFilterLength) {
    throw filterError(`longer than ${queryLimits.maxFilterLength} characters`);
  }
  if (text.trim() === '') throw filterError('the expression is empty');
  return new FilterParser(tokenize(text), entitySet).parse();
}

class FilterParser {
  private index = 0;
  private comparisons = 0;

  constructor(
    private readonly tokens: readonly Token[],
    private readonly entitySet: EntitySet,
  ) {}

  parse(): FilterNode {
    const node = this.parseOr(0);
    const trailing = this.peek();
    if (trailing.kind !== 'end') throw filterError(`unexpected ${describe(trailing)}`, trailing.position);
    return node;
  }

  private parseOr(depth: number): FilterNode {
    const operands = [this.parseAnd(depth)];
    while (this.acceptKeyword('or')) operands.push(this.parseAnd(depth));
    return anyOf(operands);
  }

  private parseAnd(depth: number): FilterNode {
    const operands = [this.parsePrimary(depth)];
    while (this.acceptKeyword('and')) operands.push(this.parsePrimary(depth));
    return allOf(operands);
  }

  private parsePrimary(depth: number): FilterNode {
    const token = this.next();
    if (token.kind === 'open') {
      if (depth + 1 > queryLimits.maxFilterDepth) {
        throw filterError(
          `parentheses nested deeper than ${queryLimits.maxFilterDepth} levels`,
          token.position,
        );
      }
      const inner = this.parseOr(depth + 1);
      const close = this.next();
      if (close.kind !== 'close') {
        throw filterError(`expected ')' but found ${describe(close)}`, close.position);
      }
      return inner;
    }
    if (token.kind !== 'word') {
      throw filterError(`expected a property name but found ${describe(token)}`, token.position);
    }
    return this.parseComparison(token);
  }

  private parseComparison(nameToken: Extract<Token, { kind: 'word' }>): FilterNode {
    const name = nameToken.text;
    const lower = name.toLowerCase();
    if (unsupportedOperators.has(lower)) {
      throw filterError(`the '${lower}' operator is not supported`, nameToken.position);
    }
    if (lower === 'and' || lower === 'or' || isComparisonOperator(lower)) {
      throw filterError(`expected a comparison before '${lower}'`, nameToken.position);
    }
    if (this.peek().kind === 'open') {
      throw filterError(`function ${quoteForMessage(name)} is not supported`, nameToken.position);
    }
    if (name.includes('/')) {
      throw filterError(
        `property paths and lambdas (${quoteForMessage(name)}) are not supported`,
        nameToken.position,
      );
    }
    const property = this.entitySet.filterProperty(name);
    if (property === undefined) {
      throw filterError(
        `unknown property ${quoteForMessage(name)} on ${this.entitySet.name} ` +
          `(filterable: ${Object.keys(this.entitySet.properties).join(', ')})`,
        nameToken.position,
      );
    }

    const operatorToken = this.next();
    const operator = operatorToken.kind === 'word' ? operatorToken.text.toLowerCase() : undefined;
    if (!isComparisonOperator(operator)) {
      const problem =
        operator !== undefined && unsupportedOperators.has(operator)
          ? `the '${operator}' operator is not supported`
          : `expected eq, ne, gt, ge, lt or le after '${property.name}' but found ${describe(operatorToken)}`;
      throw filterError(problem, operatorToken.position);
    }
    if (property.schema.type === 'boolean' && orderedOperators.has(operator)) {
      throw filterError(
        `operator '${operator}' is not supported for the boolean '${property.name}'`,
        operatorToken.position,
      );
    }

    const literalToken = this.next();
    const literal = parseLiteral(property, literalToken);
    this.comparisons += 1;
    if (this.comparisons > queryLimits.maxFilterComparisons) {
      throw filterError(`more than ${queryLimits.maxFilterComparisons} comparisons`, nameToken.position);
    }
    if (
      literal.type === 'datetime' &&
      literalToken.kind === 'word' &&
      hasSubMillisecondDigits(literalToken.text)
    )
      return betweenMilliseconds(property.name, operator, literal);
    return comparison(property.name, operator, literal);
  }

  private acceptKeyword(keyword: 'and' | 'or'): boolean {
    const token = this.peek();
    if (token.kind !== 'word' || token.text.toLowerCase() !== keyword) return false;
    this.index += 1;
    return true;
  }

  private peek(): Token {
    return this.tokens[this.index] ?? endOf(this.tokens);
  }

  private next(): Token {
    const token = this.peek();
    if (token.kind !== 'end') this.index += 1;
    return token;
  }
}

function isComparisonOperator(text: string | undefined): text is ComparisonOperator {
  return (comparisonOperators as readonly (string | undefined)[]).includes(text);
}

function endOf(tokens: readonly Token[]): Token {
  return { kind: 'end', position: tokens.at(-1)?.position ?? 0 };
}

function describe(token: Token): string {
  switch (token.kind) {
    case 'open':
      return "'('";
    case 'close':
      return "')'";
    case 'comma':
      return "','";
    case 'end':
      return 'the end of the expression';
    case 'word':
      return quoteForMessage(token.text);
    case 'string':
      return `the string ${quoteForMessage(token.value)}`;
  }
}
