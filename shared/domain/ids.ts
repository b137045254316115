import { z } from 'zod';

/** Directory object ids and tenant ids: GUIDs, normalised to lower case. */
export const Guid = z
  .string()
  .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'must be a GUID')
  .transform((s) => s.toLowerCase());

/**
 * Ids that become part of a RowKey (detection ids, request ids). Table Storage forbids
 * `/ \ # ?` and control characters in keys; we allow a conservative set.
 */
export const ExternalId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9._:-]+$/, 'may contain only letters, digits and . _ : -')
  // `.` and `..` are removed from URL paths by every client: such an id could never be read back.
  .regex(/[^.]/, 'must not consist of dots only');

/**
 * Longest id of a stored detection: besides ExternalIds there are the ids riskloop gives the
 * real-time detections of a sign-in, `{sign-in id}:rt{n}` with n < 20 (see realtimeDetectionId).
 */
export const MAX_DETECTION_ID_LENGTH = 128 + ':rt19'.length;

/** Ids of stored detections (GET by id, rescore messages). */
export const DetectionId = z
  .string()
  .min(1)
  .max(MAX_DETECTION_ID_LENGTH)
  .regex(/^[A-Za-z0-9._:-]+$/, 'may contain only letters, digits and . _ : -')
  .regex(/[^.]/, 'must not consist of dots only');

/** ISO 8601 date-time with an offset, normalised to UTC `Z` form. */
export const IsoDateTime = z.iso.datetime({ offset: true }).transform((s) => new Date(s).toISOString());
