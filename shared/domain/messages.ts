import { z } from 'zod';
import { Guid, MAX_DETECTION_ID_LENGTH } from './ids';

/** Queue message: rescore one user. `detectionIds` names the new detections that caused it (R-E3). */
export const RescoreMessage = z.object({
  type: z.literal('rescore'),
  tenantId: Guid,
  userId: Guid,
  detectionIds: z.array(z.string().max(MAX_DETECTION_ID_LENGTH)).max(1000).default([]),
});
export type RescoreMessage = z.infer<typeof RescoreMessage>;

/** Queue message: send the tenant's alert window `windowId` once it has closed (R-E5). */
export const AlertWindowMessage = z.object({
  type: z.literal('alertWindow'),
  tenantId: Guid,
  windowId: z.string().min(1).max(64),
});
export type AlertWindowMessage = z.infer<typeof AlertWindowMessage>;

/** Queue message: build and send one tenant's digest for one week (R-D1, R-D4). */
export const DigestMessage = z.object({
  type: z.literal('weeklyDigest'),
  tenantId: Guid,
  /** Names the timer run that fanned out; only a retry of the same run may resume a claimed week. */
  runId: z.string().min(1).max(64),
  period: z.object({ weekId: z.string().max(40), start: z.string().max(40), end: z.string().max(40) }),
});
export type DigestMessage = z.infer<typeof DigestMessage>;
