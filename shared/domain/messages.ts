import { z } from 'zod';
import { Guid } from './ids';

/** Queue message: rescore one user. `detectionIds` names the new detections that caused it (R-E3). */
export const RescoreMessage = z.object({
  type: z.literal('rescore'),
  tenantId: Guid,
  userId: Guid,
  detectionIds: z.array(z.string().max(128)).max(1000).default([]),
});
export type RescoreMessage = z.infer<typeof RescoreMessage>;
