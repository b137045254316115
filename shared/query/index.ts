export type {
  ComparisonNode,
  ComparisonOperator,
  ConstantNode,
  EnumLiteral,
  FilterLiteral,
  FilterNode,
  LogicalNode,
} from './filter-ast';
export { comparisonOperators } from './filter-ast';
export { allOf, anyOf, comparison, constant } from './filter-builders';
export { collectComparisons, mapComparisons, simplifyFilter } from './filter-transform';
export { parseFilter } from './filter-parser';
export { formatFilter } from './filter-format';
export { evaluateFilter } from './filter-evaluate';
export {
  compileToTableFilter,
  type CompileOptions,
  type TableColumn,
  type TableColumnMap,
  type TableStoredAs,
} from './table-filter';
export {
  defineEntitySet,
  type EntitySet,
  type EntitySetDefinition,
  type FilterProperty,
  type PropertySchema,
  type SortDirection,
} from './entity-set';
export {
  historyQuery,
  notificationsQuery,
  riskDetectionsQuery,
  riskyUsersQuery,
  signInsQuery,
} from './entity-sets';
export * from './graph-enums';
export { applySelect, parseSelect, selectContextSuffix } from './select';
export { parseTop } from './top';
export { parseOrderBy, type OrderBy } from './order-by';
export { queryFingerprint, type FingerprintedOptions } from './query-fingerprint';
export {
  decodeSkipToken,
  encodeSkipToken,
  type DecodedSkipToken,
  type SkipTokenExpectation,
  type SkipTokenPayload,
  type TableContinuation,
} from './skip-token';
export {
  countSegmentError,
  parseEntitySelect,
  parseListQuery,
  rejectCountSegment,
  type ListQuery,
  type ListQueryOptions,
} from './list-query';
export { buildNextLink } from './next-link';
export { decodeQueryValue } from './decode-query-value';
export { queryLimits } from './limits';
