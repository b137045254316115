import { z } from 'zod';
import { Guid } from './ids';

const alertFields = {
  minRiskLevel: z.enum(['low', 'medium', 'high']),
  disabledRecipientIds: z.array(Guid).max(500),
  customRecipients: z.array(z.email().max(256)).max(50),
};

/** Per-tenant alert settings (R-E2, R-E6). */
export const UsersAtRiskAlertSettings = z.strictObject({
  minRiskLevel: alertFields.minRiskLevel.default('high'),
  disabledRecipientIds: alertFields.disabledRecipientIds.default([]),
  customRecipients: alertFields.customRecipients.default([]),
});
export type UsersAtRiskAlertSettings = z.infer<typeof UsersAtRiskAlertSettings>;

const digestFields = {
  enabled: z.boolean(),
  recipientIds: z.array(Guid).max(500).nullable(),
  customRecipients: z.array(z.email().max(256)).max(50),
};

/** Per-tenant weekly digest settings (R-D3). `recipientIds: null` = the R-E6 list. */
export const WeeklyDigestSettings = z.strictObject({
  enabled: digestFields.enabled.default(true),
  recipientIds: digestFields.recipientIds.default(null),
  customRecipients: digestFields.customRecipients.default([]),
});
export type WeeklyDigestSettings = z.infer<typeof WeeklyDigestSettings>;

/**
 * PATCH bodies: any subset of the fields, nothing else. Built from the fields without
 * their defaults: `.partial()` of the settings schemas would fill every omitted field
 * with its default, so a PATCH of one field would reset the others.
 */
export const UsersAtRiskAlertPatch = z.strictObject(alertFields).partial();
export const WeeklyDigestPatch = z.strictObject(digestFields).partial();
