import { badRequest, type AppError } from '../errors';

/** A 400 for a bad `$filter`; `position` is a 0-based offset, reported 1-based. */
export function filterError(problem: string, position?: number): AppError {
  const where = position === undefined ? '' : ` (at position ${position + 1})`;
  return badRequest(`Invalid $filter: ${problem}${where}`);
}

/** Shortens client text quoted back in an error message. */
export function quoteForMessage(text: string): string {
  const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
  return `'${shown}'`;
}
