import type { EntitySet } from './entity-set';
import { badRequest } from '../errors';
import { quoteForMessage } from './filter-error';

/**
 * Parses `$select` (a comma-separated list, names matched case-insensitively) into canonical
 * property names, de-duplicated in request order. `*` means every property (`undefined`).
 * An unknown, empty or path-like name is a 400 naming it.
 */
export function parseSelect(raw: string, entitySet: EntitySet): readonly string[] | undefined {
  const items = raw.split(',').map((item) => item.trim());
  if (items.length === 1 && items[0] === '*') return undefined;
  const selected: string[] = [];
  for (const item of items) {
    if (item === '') throw badRequest('Invalid $select: empty property name');
    const property = entitySet.selectableProperty(item);
    if (property === undefined) {
      throw badRequest(
        `Invalid $select: unknown property ${quoteForMessage(item)} on ${entitySet.name} ` +
          `(selectable: ${entitySet.selectable.join(', ')})`,
      );
    }
    if (!selected.includes(property)) selected.push(property);
  }
  return selected;
}

/**
 * Keeps only the selected properties of an entity, in the entity's own order. Like Graph,
 * `id` is returned only when selected; properties the entity lacks are left out. Without a
 * selection the entity is returned unchanged.
 */
export function applySelect<T extends Readonly<Record<string, unknown>>>(
  entity: T,
  select: readonly string[] | undefined,
): Partial<T> {
  if (select === undefined) return entity;
  const wanted = new Set(select);
  return Object.fromEntries(Object.entries(entity).filter(([key]) => wanted.has(key))) as Partial<T>;
}

/**
 * The `(a,b)` suffix Graph appends to the entity set in `@odata.context` when `$select` is
 * used; empty without a selection.
 */
export function selectContextSuffix(select: readonly string[] | undefined): string {
  return select === undefined ? '' : `(${select.join(',')})`;
}
