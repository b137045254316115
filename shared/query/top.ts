import { z } from 'zod';
import type { EntitySet } from './entity-set';
import { badRequest } from '../errors';

const digits = z.string().regex(/^\d{1,6}$/);

/** Parses `$top`: a plain decimal integer from 1 to the entity set's maximum (SPEC §7: 500). */
export function parseTop(raw: string, entitySet: EntitySet): number {
  const { max } = entitySet.top;
  const parsed = digits.safeParse(raw.trim());
  const top = parsed.success ? Number(parsed.data) : Number.NaN;
  if (!Number.isInteger(top) || top < 1 || top > max) {
    throw badRequest(`Invalid $top: expected an integer from 1 to ${max}`);
  }
  return top;
}
