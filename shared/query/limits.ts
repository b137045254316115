/** Upper bounds on query options; they keep parsing and Table Storage queries cheap and predictable. */
export const queryLimits = {
  /** Characters of the decoded `$filter` value. */
  maxFilterLength: 2000,
  /** Comparisons in one `$filter`; matches Azure Table Storage's own cap on discrete comparisons. */
  maxFilterComparisons: 15,
  /** Levels of parentheses in one `$filter`. */
  maxFilterDepth: 10,
  /** Azure Table Storage rejects a `$filter` with more discrete comparisons than this. */
  tableMaxComparisons: 15,
  /** Characters of a `$skiptoken`. */
  maxSkipTokenLength: 2048,
  /** `$top` bounds and default (SPEC §7). */
  defaultTop: 20,
  maxTop: 500,
} as const;
