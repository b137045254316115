import { describe, expect, it } from 'vitest';
import {
  packRescores,
  RESCORE_MESSAGE_LIMITS,
  RescoreQueueMessage,
  RescoreUsersMessage,
} from '../../../shared/domain/messages';
import { MAX_DETECTION_ID_LENGTH } from '../../../shared/domain/ids';

const tenant = '7d1e2f3a-1111-4c2b-9a55-0d5e6f7a8b9c';
const user = (n: number) => `00000000-aaaa-4bbb-8ccc-${String(n).padStart(12, '0')}`;

/** Every (user, detection id) pair the messages carry, in order; users without ids as (user, ''). */
function pairs(messages: ReturnType<typeof packRescores>): string[] {
  return messages.flatMap((m) =>
    m.users.flatMap((u) =>
      u.detectionIds.length ? u.detectionIds.map((d) => `${u.userId} ${d}`) : [`${u.userId} `],
    ),
  );
}

describe('rescore messages of an ingestion call (R-X6: every touched user is queued)', () => {
  it('packs 1,000 users with one detection each into 32-user messages, each user once, in call order', () => {
    const users = new Map(Array.from({ length: 1000 }, (_, i) => [user(i), [`d-${i}`]] as const));
    const messages = packRescores(tenant, users);
    expect(messages).toHaveLength(Math.ceil(1000 / RESCORE_MESSAGE_LIMITS.users));
    expect(pairs(messages)).toEqual([...users].map(([u, [d]]) => `${u} ${d}`));
    for (const m of messages) expect(RescoreUsersMessage.parse(m)).toEqual(m);
  });

  it('keeps a message to 200 detection ids: a user with more continues in the next messages', () => {
    const many = Array.from({ length: 450 }, (_, i) => `big-${i}`);
    const users = new Map([
      [user(1), ['a-1', 'a-2']],
      [user(2), many],
      [user(3), []],
    ]);
    const messages = packRescores(tenant, users);
    for (const m of messages) {
      expect(m.users.reduce((n, u) => n + u.detectionIds.length, 0)).toBeLessThanOrEqual(200);
      expect(RescoreQueueMessage.safeParse(m).success).toBe(true);
    }
    expect(pairs(messages)).toEqual([
      `${user(1)} a-1`,
      `${user(1)} a-2`,
      ...many.map((d) => `${user(2)} ${d}`),
      `${user(3)} `,
    ]);
  });

  it('a user queued without new detections (a remediation) is still queued', () => {
    expect(packRescores(tenant, new Map([[user(5), []]]))).toEqual([
      { type: 'rescoreUsers', tenantId: tenant, users: [{ userId: user(5), detectionIds: [] }] },
    ]);
  });

  it('the largest message fits a queue message (48 KiB of JSON before base64)', () => {
    const longId = (i: number) => `${String(i).padStart(4, '0')}${'x'.repeat(MAX_DETECTION_ID_LENGTH - 4)}`;
    const users = new Map(
      Array.from(
        { length: 32 },
        (_, u) => [user(u), Array.from({ length: 7 }, (_, i) => longId(u * 7 + i))] as const,
      ),
    );
    for (const m of packRescores(tenant, users))
      expect(Buffer.byteLength(JSON.stringify(m), 'utf8')).toBeLessThan(48 * 1024);
  });

  it('refuses a message beyond its limits, naming the field', () => {
    const tooMany = {
      type: 'rescoreUsers',
      tenantId: tenant,
      users: Array.from({ length: 33 }, (_, i) => ({ userId: user(i), detectionIds: [] })),
    };
    const result = RescoreQueueMessage.safeParse(tooMany);
    expect(result.success).toBe(false);
    expect(result.error!.issues[0]!.path).toEqual(['users']);
    const tooManyIds = {
      type: 'rescoreUsers',
      tenantId: tenant,
      users: [{ userId: user(1), detectionIds: Array.from({ length: 201 }, (_, i) => `d${i}`) }],
    };
    expect(RescoreQueueMessage.safeParse(tooManyIds).success).toBe(false);
    expect(RescoreQueueMessage.safeParse({ type: 'rescoreUsers', tenantId: tenant, users: [] }).success).toBe(
      false,
    );
  });
});
