import { z } from 'zod';
import { Guid, MAX_DETECTION_ID_LENGTH } from './ids';

const DetectionIds = z.array(z.string().max(MAX_DETECTION_ID_LENGTH)).max(1000).default([]);

/** How often a message may be put back for later (shared/storage/queue.ts `putBack`). */
export const MAX_DEFERRALS = 100;
/**
 * How often a message was put back for later because storage kept failing on its last
 * delivery; absent on a message never put back.
 */
const Deferrals = z.number().int().min(1).max(MAX_DEFERRALS).optional();

/** Queue message: rescore one user. `detectionIds` names the new detections that caused it (R-E3). */
export const RescoreMessage = z.object({
  type: z.literal('rescore'),
  tenantId: Guid,
  userId: Guid,
  detectionIds: DetectionIds,
  deferrals: Deferrals,
});
export type RescoreMessage = z.infer<typeof RescoreMessage>;

/** Users and detection ids one {@link RescoreUsersMessage} carries at most: far below the 48 KiB of JSON a queue message holds. */
export const RESCORE_MESSAGE_LIMITS = { users: 32, detectionIds: 200 } as const;

/**
 * Queue message: rescore several users of one tenant, one after another — what an
 * ingestion call queues, so that a call touching 1,000 users puts 32 messages on the
 * queue, not 1,000.
 */
export const RescoreUsersMessage = z.object({
  type: z.literal('rescoreUsers'),
  tenantId: Guid,
  users: z
    .array(z.object({ userId: Guid, detectionIds: DetectionIds }))
    .min(1)
    .max(RESCORE_MESSAGE_LIMITS.users)
    .refine(
      (users) => users.reduce((n, u) => n + u.detectionIds.length, 0) <= RESCORE_MESSAGE_LIMITS.detectionIds,
      `at most ${RESCORE_MESSAGE_LIMITS.detectionIds} detection ids in all`,
    ),
  deferrals: Deferrals,
});
export type RescoreUsersMessage = z.infer<typeof RescoreUsersMessage>;

/** What the rescore queue carries. */
export const RescoreQueueMessage = z.discriminatedUnion('type', [RescoreMessage, RescoreUsersMessage]);

/**
 * Packs the users a call touched (user id → the new detection ids it stored for them, in
 * call order) into {@link RescoreUsersMessage}s within {@link RESCORE_MESSAGE_LIMITS}. A
 * user with more ids than one message holds is continued in the next ones.
 */
export function packRescores(
  tenantId: string,
  users: ReadonlyMap<string, readonly string[]>,
): RescoreUsersMessage[] {
  const { users: maxUsers, detectionIds: maxIds } = RESCORE_MESSAGE_LIMITS;
  const messages: RescoreUsersMessage[] = [];
  let current: RescoreUsersMessage['users'] = [];
  let ids = 0;
  const add = (userId: string, detectionIds: string[]): void => {
    if (current.length === maxUsers || ids + detectionIds.length > maxIds) {
      messages.push({ type: 'rescoreUsers', tenantId, users: current });
      current = [];
      ids = 0;
    }
    current.push({ userId, detectionIds });
    ids += detectionIds.length;
  };
  for (const [userId, detectionIds] of users) {
    if (detectionIds.length === 0) add(userId, []);
    for (let i = 0; i < detectionIds.length; i += maxIds) add(userId, detectionIds.slice(i, i + maxIds));
  }
  if (current.length > 0) messages.push({ type: 'rescoreUsers', tenantId, users: current });
  return messages;
}

/** Queue message: send the tenant's alert window `windowId` once it has closed (R-E5). */
export const AlertWindowMessage = z.object({
  type: z.literal('alertWindow'),
  tenantId: Guid,
  windowId: z.string().min(1).max(64),
  deferrals: Deferrals,
});
export type AlertWindowMessage = z.infer<typeof AlertWindowMessage>;

/** Queue message: build and send one tenant's digest for one week (R-D1, R-D4). */
export const DigestMessage = z.object({
  type: z.literal('weeklyDigest'),
  tenantId: Guid,
  /** Names the timer run that fanned out; only a retry of the same run may resume a claimed week. */
  runId: z.string().min(1).max(64),
  /** As digestPeriod names it: the week [start, end), named by its end. */
  period: z
    .object({ weekId: z.iso.datetime(), start: z.iso.datetime(), end: z.iso.datetime() })
    .refine((p) => p.weekId === p.end && p.start < p.end, {
      message: 'the week must be named by its end, and start before it',
    }),
  deferrals: Deferrals,
});
export type DigestMessage = z.infer<typeof DigestMessage>;
