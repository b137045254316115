import { RestError } from '@azure/data-tables';
import { describe, expect, it } from 'vitest';
import { isStorageUnavailable } from '../../../shared/storage/errors';

describe('storage errors (R-X6)', () => {
  it.each([408, 500, 502, 503, 504])(
    '%i from storage means "retry shortly" (503), not a bug (500)',
    (statusCode) => {
      expect(isStorageUnavailable(new RestError('storage', { statusCode }))).toBe(true);
    },
  );

  it.each([400, 403, 404, 409, 412])('%i is an answer about the request, not an outage', (statusCode) => {
    expect(isStorageUnavailable(new RestError('storage', { statusCode }))).toBe(false);
  });

  it('network failures, also wrapped as a cause, are outages', () => {
    expect(isStorageUnavailable(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isStorageUnavailable(new Error('wrapped', { cause: { code: 'ETIMEDOUT' } }))).toBe(true);
  });
});
