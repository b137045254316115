import type { AppError } from '../errors';
import { countSegmentError } from '../query';
import { routes } from './openapi';

/**
 * For the catch-all route: `<list route>/$count` (e.g. `riskyUsers/{id}/history/$count`), a
 * Graph SDK count call, is a 400 naming `$count` as not supported, like the `$count` query
 * option, rather than a 404. (Where a list route has a `GET …/{id}` route, that route takes
 * `$count` as its id first and refuses it the same way; see `rejectCountSegment`.)
 *
 * `path` is the catch-all's value: relative to the route prefix, its segments decoded by
 * routing, so `%24count` arrives as `$count` under the Functions host and the local host.
 */
export function countPathError(path: string): AppError | undefined {
  const segments = path.split('/');
  const last = segments.pop() ?? '';
  for (const route of routes) {
    if (route.method === 'GET' && route.list && templateMatches(route.route, segments)) {
      const error = countSegmentError(last, route.list);
      if (error) return error;
    }
  }
  return undefined;
}

// Literal segments case-insensitively (as ASP.NET routing matches them), `{param}` any one segment.
function templateMatches(template: string, segments: readonly string[]): boolean {
  const parts = template.split('/');
  return (
    parts.length === segments.length &&
    parts.every((part, i) => {
      const segment = segments[i] ?? '';
      return /^\{[^}]+\}$/.test(part) ? segment !== '' : part.toLowerCase() === segment.toLowerCase();
    })
  );
}
