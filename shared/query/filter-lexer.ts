import { filterError } from './filter-error';

export type Token =
  | { readonly kind: 'open'; readonly position: number }
  | { readonly kind: 'close'; readonly position: number }
  | { readonly kind: 'comma'; readonly position: number }
  | { readonly kind: 'end'; readonly position: number }
  | { readonly kind: 'word'; readonly text: string; readonly position: number }
  /** A quoted literal; `typeName` is set for the typed form `microsoft.graph.riskLevel'high'`. */
  | {
      readonly kind: 'string';
      readonly value: string;
      readonly typeName?: string;
      readonly position: number;
    };

const whitespace = /\s/;
const wordDelimiters = new Set(['(', ')', "'", ',']);
const zonelessDateTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/;
const spaceThenOffset = /^ \d{2}:\d{2}(?=$|[\s()])/;

/** Splits a decoded `$filter` into tokens; literals keep their raw text for the parser to type. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < text.length) {
    const char = text.charAt(index);
    if (whitespace.test(char)) {
      index += 1;
    } else if (char === '(' || char === ')') {
      tokens.push(char === '(' ? { kind: 'open', position: index } : { kind: 'close', position: index });
      index += 1;
    } else if (char === "'") {
      const literal = readQuoted(text, index);
      tokens.push({ kind: 'string', value: literal.value, position: index });
      index = literal.end;
    } else if (char === ',') {
      tokens.push({ kind: 'comma', position: index });
      index += 1;
    } else {
      const start = index;
      while (
        index < text.length &&
        !whitespace.test(text.charAt(index)) &&
        !wordDelimiters.has(text.charAt(index))
      ) {
        index += 1;
      }
      let word = text.slice(start, index);
      if (text.charAt(index) === "'") {
        const literal = readQuoted(text, index);
        tokens.push({ kind: 'string', value: literal.value, typeName: word, position: start });
        index = literal.end;
        continue;
      }
      // A DateTimeOffset's '+hh:mm' arrives as ' hh:mm' when the client left '+' unencoded and
      // the query string was decoded as a form ('+' means space). Nothing else can follow a
      // literal without an operator, so rejoining it is unambiguous.
      const offset = zonelessDateTime.test(word) ? spaceThenOffset.exec(text.slice(index)) : null;
      if (offset) {
        word = `${word}+${offset[0].slice(1)}`;
        index += offset[0].length;
      }
      tokens.push({ kind: 'word', text: word, position: start });
    }
  }
  tokens.push({ kind: 'end', position: text.length });
  return tokens;
}

function readQuoted(text: string, openAt: number): { value: string; end: number } {
  let value = '';
  let index = openAt + 1;
  while (index < text.length) {
    const char = text.charAt(index);
    if (char === "'") {
      if (text.charAt(index + 1) !== "'") return { value, end: index + 1 };
      value += "'";
      index += 2;
    } else {
      value += char;
      index += 1;
    }
  }
  throw filterError('unterminated string literal', openAt);
}
