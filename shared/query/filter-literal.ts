import { parseDateTimeOffset } from './datetime-literal';
import type { FilterProperty } from './entity-set';
import type { FilterLiteral } from './filter-ast';
import { filterError, quoteForMessage } from './filter-error';
import type { Token } from './filter-lexer';

const graphNamespace = 'microsoft.graph';

/** Types the literal token on the right of a comparison by the property on its left. */
export function parseLiteral(property: FilterProperty, token: Token): FilterLiteral {
  const { name, schema } = property;
  if (token.kind !== 'word' && token.kind !== 'string') {
    throw filterError(`expected a value after the operator for '${name}'`, token.position);
  }
  if (token.kind === 'word' && token.text.toLowerCase() === 'null') {
    throw filterError(`comparisons with null are not supported ('${name}')`, token.position);
  }

  switch (schema.type) {
    case 'string':
      if (token.kind !== 'string' || token.typeName !== undefined) {
        throw filterError(
          `'${name}' expects a string in single quotes, e.g. ${name} eq 'value'`,
          token.position,
        );
      }
      return { type: 'string', value: token.value };

    case 'boolean': {
      const text = token.kind === 'word' ? token.text.toLowerCase() : undefined;
      if (text !== 'true' && text !== 'false') {
        throw filterError(`'${name}' expects true or false (unquoted)`, token.position);
      }
      return { type: 'boolean', value: text === 'true' };
    }

    case 'datetime': {
      const epochMs = token.kind === 'word' ? parseDateTimeOffset(token.text) : undefined;
      if (epochMs === undefined) {
        const shown = token.kind === 'word' ? `${quoteForMessage(token.text)} is not` : 'expects';
        throw filterError(
          `'${name}' ${shown} an unquoted DateTimeOffset such as 2024-01-01T00:00:00Z`,
          token.position,
        );
      }
      return { type: 'datetime', epochMs };
    }

    case 'enum': {
      const qualified = `${graphNamespace}.${schema.enumType}`;
      if (token.kind !== 'string') {
        throw filterError(
          `'${name}' expects 'value' or ${qualified}'value', found ${quoteForMessage(token.text)}`,
          token.position,
        );
      }
      if (token.typeName !== undefined && token.typeName.toLowerCase() !== qualified.toLowerCase()) {
        throw filterError(
          `'${name}' expects values of type ${qualified}, not ${quoteForMessage(token.typeName)}`,
          token.position,
        );
      }
      const wanted = token.value.toLowerCase();
      const value = schema.values.find((member) => member.toLowerCase() === wanted);
      if (value === undefined) {
        throw filterError(
          `value ${quoteForMessage(token.value)} is not a ${schema.enumType} ` +
            `(one of: ${schema.values.join(', ')}) for '${name}'`,
          token.position,
        );
      }
      return { type: 'enum', enumType: schema.enumType, value, values: schema.values };
    }
  }
}
