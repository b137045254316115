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

/**
 * ISO 8601 date-time with an offset, normalised to UTC `Z` form; its UTC instant must fall
 * in the years 0000–9999 (beyond, the normal form is `+010000-…`, which sorts wrongly).
 */
export const IsoDateTime = z.iso
  .datetime({ offset: true })
  .transform((s) => new Date(s).toISOString())
  .refine((s) => /^\d{4}-/.test(s), 'must fall in the years 0000 to 9999 once converted to UTC');

/** How far ahead of this service's clock an event's time may be: the clock skew between systems. */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;

/**
 * When something happened (a sign-in, a detection, a remediation): not in the future. A
 * detection dated years ahead would look newer than every real one, and the alert rules
 * (R-E4) would take no later detection of its user as new.
 */
export const EventDateTime = IsoDateTime.refine(
  (s) => Date.parse(s) <= Date.now() + MAX_CLOCK_SKEW_MS,
  'must not be in the future (more than 5 minutes ahead of this service’s clock)',
);
