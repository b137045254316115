import { z } from 'zod';
import { ExternalId, Guid } from '../domain/ids';

/** Graph's feedback bodies: 1 to 60 ids (SPEC §4). */
export const UserIdsBody = z.strictObject({ userIds: z.array(Guid).min(1).max(60) });
export const RequestIdsBody = z.strictObject({ requestIds: z.array(ExternalId).min(1).max(60) });
