import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { splitForPutBack } from '../../../shared/engine/rescore-worker';
import { RescoreContended } from '../../../shared/engine/rescore-user';

/** R-X6: what a rescore message's last delivery puts back, and what it poisons. */
const T = '11111111-1111-4111-8111-111111111111';
const user = (n: number) => ({ userId: `00000000-0000-4000-8000-00000000000${n}`, detectionIds: [`d${n}`] });
/** What the table client throws when storage does not answer. */
const unreachable = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
const unparseable = new z.ZodError([]);

describe('splitForPutBack (R-X6)', () => {
  it('puts back the users that failed transiently; the others go to poison by themselves', () => {
    const data = { type: 'rescoreUsers' as const, tenantId: T, users: [user(1), user(2), user(3)] };
    const split = splitForPutBack(data, [
      { user: user(1), error: unreachable },
      { user: user(2), error: unparseable },
      { user: user(3), error: new RescoreContended() },
    ]);
    expect(split).toEqual({
      again: { type: 'rescoreUsers', tenantId: T, users: [user(1), user(3)] },
      transient: 2,
      transientError: unreachable,
      broken: { message: { type: 'rescoreUsers', tenantId: T, users: [user(2)] }, error: unparseable },
    });
  });

  it("puts a single user's message back as it came, however many ids it names, with its deferrals so far", () => {
    const ids = Array.from({ length: 600 }, (_, i) => `d${i}`);
    const data = {
      type: 'rescore' as const,
      tenantId: T,
      userId: user(1).userId,
      detectionIds: ids,
      deferrals: 4,
    };
    // putBack (shared/storage/queue.ts) counts the put-back itself, and refuses past MAX_DEFERRALS.
    expect(splitForPutBack(data, [{ user: user(1), error: unreachable }])?.again).toEqual(data);
  });

  it('puts nothing back when no failure is transient', () => {
    const data = { type: 'rescoreUsers' as const, tenantId: T, users: [user(1)] };
    expect(splitForPutBack(data, [{ user: user(1), error: unparseable }])).toBeUndefined();
  });
});
