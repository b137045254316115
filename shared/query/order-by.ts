import type { EntitySet, SortDirection } from './entity-set';
import { badRequest } from '../errors';
import { quoteForMessage } from './filter-error';

export interface OrderBy {
  readonly property: string;
  readonly direction: SortDirection;
}

const orderByItem = /^([A-Za-z_][A-Za-z0-9_]*)(?:\s+(asc|desc))?$/i;

/**
 * Parses `$orderby`: one property the entity set allows, optionally followed by `asc`
 * (default) or `desc`. Several keys, unknown properties and disallowed directions are 400s.
 */
export function parseOrderBy(raw: string, entitySet: EntitySet): OrderBy {
  const text = raw.trim();
  const allowed = Object.keys(entitySet.orderable);
  if (allowed.length === 0) throw badRequest(`Invalid $orderby: ${entitySet.name} cannot be ordered`);
  if (text.includes(',')) throw badRequest('Invalid $orderby: only one property can be ordered by');
  const match = orderByItem.exec(text);
  const property = match?.[1] === undefined ? undefined : entitySet.orderableProperty(match[1]);
  if (match === null || property === undefined) {
    throw badRequest(
      `Invalid $orderby: ${quoteForMessage(text)} is not supported on ${entitySet.name} ` +
        `(allowed: ${allowed.join(', ')} with asc or desc)`,
    );
  }
  const direction = (match[2]?.toLowerCase() ?? 'asc') as SortDirection;
  if (!entitySet.orderable[property]?.includes(direction)) {
    throw badRequest(`Invalid $orderby: '${property}' cannot be ordered ${direction}`);
  }
  return { property, direction };
}
