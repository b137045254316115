import { queryOptionOf } from './list-query';

/**
 * The absolute `@odata.nextLink` for a page: the request URL with its other query options kept
 * exactly as the client sent them, any `$skiptoken` (or `skiptoken`) replaced by the new one,
 * and no fragment.
 */
export function buildNextLink(requestUrl: string, skipToken: string): string {
  const url = new URL(requestUrl);
  const kept = url.search
    .slice(1)
    .split('&')
    .filter((part) => part !== '' && !isSkipToken(part));
  kept.push(`$skiptoken=${encodeURIComponent(skipToken)}`);
  url.search = `?${kept.join('&')}`;
  url.hash = '';
  return url.toString();
}

function isSkipToken(part: string): boolean {
  const name = part.split('=', 1)[0] ?? '';
  let decoded = name;
  try {
    decoded = decodeURIComponent(name.replace(/\+/g, ' '));
  } catch {
    // A malformed name is not ours to judge here; it is simply not $skiptoken.
  }
  return queryOptionOf(decoded) === '$skiptoken';
}
