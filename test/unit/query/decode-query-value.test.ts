import { describe, expect, it } from 'vitest';
import { decodeQueryValue, parseFilter, riskyUsersQuery } from '../../../shared/query';
import { expectBadRequest } from './expect-bad-request';

describe('decodeQueryValue (SPEC §7: spaces as %20 or +)', () => {
  it('turns + into a space', () => {
    expect(decodeQueryValue("riskLevel+eq+'high'")).toBe("riskLevel eq 'high'");
  });

  it('decodes %20 and other percent-escapes', () => {
    expect(decodeQueryValue('riskLevel%20eq%20%27high%27')).toBe("riskLevel eq 'high'");
  });

  it('keeps an encoded plus (%2B) as a plus', () => {
    expect(decodeQueryValue('2024-01-01T00%3A00%3A00%2B01%3A00')).toBe('2024-01-01T00:00:00+01:00');
  });

  it('gives the same filter for both space encodings', () => {
    const plus = parseFilter(
      decodeQueryValue("riskLevel+eq+'high'+and+isProcessing+eq+true"),
      riskyUsersQuery,
    );
    const percent = parseFilter(
      decodeQueryValue("riskLevel%20eq%20'high'%20and%20isProcessing%20eq%20true"),
      riskyUsersQuery,
    );
    expect(plus).toEqual(percent);
  });

  it('matches URLSearchParams, which HttpRequest.query uses', () => {
    const raw = "riskLevel+eq+microsoft.graph.riskLevel'high'%20or+riskState%20eq+'atRisk'";
    expect(decodeQueryValue(raw)).toBe(new URLSearchParams(`$filter=${raw}`).get('$filter'));
  });

  it('rejects malformed percent-encoding with a 400 (R-X1)', () => {
    expectBadRequest(() => decodeQueryValue('riskLevel%E0%A4%A'), 'malformed percent-encoding');
  });
});
