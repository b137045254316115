import { describe, expect, it } from 'vitest';
import { MAX_DEFERRALS } from '../../../shared/domain/messages';
import { deferralDelaySeconds } from '../../../shared/storage/queue';

describe('R-X6: how long a message put back for failing storage waits', () => {
  it('doubles from a minute to a quarter of an hour, and the put-backs outlast a day', () => {
    expect([1, 2, 3, 4, 5, 6].map(deferralDelaySeconds)).toEqual([60, 120, 240, 480, 900, 900]);
    let total = 0;
    for (let n = 1; n <= MAX_DEFERRALS; n += 1) total += deferralDelaySeconds(n);
    expect(total).toBeGreaterThanOrEqual(24 * 3600);
  });
});
