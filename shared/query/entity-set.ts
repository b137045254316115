import { queryLimits } from './limits';

/** How a filterable property is typed, which decides the literals `$filter` accepts for it. */
export type PropertySchema =
  | { readonly type: 'string' }
  | { readonly type: 'boolean' }
  | { readonly type: 'datetime' }
  | {
      readonly type: 'enum';
      /** Graph's enum type name without namespace, e.g. `riskLevel` for `microsoft.graph.riskLevel'high'`. */
      readonly enumType: string;
      /** Members in the order `gt`/`ge`/`lt`/`le` compare them. */
      readonly values: readonly string[];
    };

export type SortDirection = 'asc' | 'desc';

/** The declarative description of one list route's query surface. */
export interface EntitySetDefinition {
  /** Entity set name as used in messages and the query fingerprint, e.g. `riskyUsers`. */
  readonly name: string;
  /** Properties `$filter` may name, keyed by their canonical (Graph) name. */
  readonly properties: Readonly<Record<string, PropertySchema>>;
  /** Properties `$select` may name. */
  readonly selectable: readonly string[];
  /** Properties `$orderby` may name, with the directions allowed for each. */
  readonly orderable?: Readonly<Record<string, readonly SortDirection[]>>;
  /** `$top` default and maximum; SPEC §7 values unless given. */
  readonly top?: { readonly default: number; readonly max: number };
}

export interface FilterProperty {
  readonly name: string;
  readonly schema: PropertySchema;
}

/** An entity set with case-insensitive name lookups, built by {@link defineEntitySet}. */
export interface EntitySet {
  readonly name: string;
  readonly properties: Readonly<Record<string, PropertySchema>>;
  readonly selectable: readonly string[];
  readonly orderable: Readonly<Record<string, readonly SortDirection[]>>;
  readonly top: { readonly default: number; readonly max: number };
  /** The filterable property a client-spelled name refers to (Graph matches names case-insensitively). */
  filterProperty(name: string): FilterProperty | undefined;
  /** The canonical selectable property name for a client-spelled name. */
  selectableProperty(name: string): string | undefined;
  /** The canonical orderable property name for a client-spelled name. */
  orderableProperty(name: string): string | undefined;
}

const identifierPattern = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Validates an entity set description once, at module load, and precomputes its lookups.
 * A malformed description is a programming error, so it throws a plain Error.
 */
export function defineEntitySet(definition: EntitySetDefinition): EntitySet {
  const { name } = definition;
  const fail = (problem: string): never => {
    throw new Error(`Entity set '${name}': ${problem}`);
  };
  if (!identifierPattern.test(name)) fail('name must be an identifier');

  for (const [property, schema] of Object.entries(definition.properties)) {
    if (schema.type !== 'enum') continue;
    if (!identifierPattern.test(schema.enumType)) fail(`enumType of '${property}' must be an identifier`);
    if (schema.values.length === 0) fail(`enum '${property}' has no values`);
    if (new Set(schema.values.map((v) => v.toLowerCase())).size !== schema.values.length) {
      fail(`enum '${property}' repeats a value`);
    }
  }

  const orderable = definition.orderable ?? {};
  for (const [property, directions] of Object.entries(orderable)) {
    if (directions.length === 0) fail(`orderable '${property}' allows no direction`);
  }

  const top = definition.top ?? { default: queryLimits.defaultTop, max: queryLimits.maxTop };
  if (!Number.isInteger(top.max) || top.max < 1 || top.default < 1 || top.default > top.max) {
    fail('top must satisfy 1 <= default <= max');
  }

  const filterLookup = caseInsensitiveLookup(Object.keys(definition.properties), fail);
  const selectLookup = caseInsensitiveLookup(definition.selectable, fail);
  const orderLookup = caseInsensitiveLookup(Object.keys(orderable), fail);

  return {
    name,
    properties: definition.properties,
    selectable: definition.selectable,
    orderable,
    top,
    filterProperty(requested) {
      const canonical = filterLookup.get(requested.toLowerCase());
      const schema = canonical === undefined ? undefined : definition.properties[canonical];
      return canonical === undefined || schema === undefined ? undefined : { name: canonical, schema };
    },
    selectableProperty: (requested) => selectLookup.get(requested.toLowerCase()),
    orderableProperty: (requested) => orderLookup.get(requested.toLowerCase()),
  };
}

function caseInsensitiveLookup(
  names: readonly string[],
  fail: (problem: string) => never,
): Map<string, string> {
  const lookup = new Map<string, string>();
  for (const canonical of names) {
    if (!identifierPattern.test(canonical)) fail(`'${canonical}' is not an identifier`);
    const key = canonical.toLowerCase();
    if (lookup.has(key)) fail(`'${canonical}' is listed twice (names are matched case-insensitively)`);
    lookup.set(key, canonical);
  }
  return lookup;
}
