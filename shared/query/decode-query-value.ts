import { badRequest } from '../errors';

/**
 * Decodes one raw (still percent-encoded) query-string value the way HTML forms and Graph
 * clients encode it: `+` is a space, then percent-escapes are decoded. So `riskLevel+eq+'high'`
 * and `riskLevel%20eq%20'high'` both give `riskLevel eq 'high'`, and a literal plus must be
 * sent as `%2B` (e.g. in a DateTimeOffset's `+01:00`). `URLSearchParams` — and therefore
 * `HttpRequest.query` — already decodes this way; use this helper only on raw strings.
 * Malformed percent-escapes are a 400.
 */
export function decodeQueryValue(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    throw badRequest('Invalid query string: malformed percent-encoding');
  }
}
