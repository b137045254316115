import { z } from 'zod';
import { Guid } from './ids';

/** Per-tenant alert settings (R-E2, R-E6). */
export const UsersAtRiskAlertSettings = z.strictObject({
  minRiskLevel: z.enum(['low', 'medium', 'high']).default('high'),
  disabledRecipientIds: z.array(Guid).max(500).default([]),
  customRecipients: z.array(z.email().max(256)).max(50).default([]),
});
export type UsersAtRiskAlertSettings = z.infer<typeof UsersAtRiskAlertSettings>;

/** Per-tenant weekly digest settings (R-D3). `recipientIds: null` = the R-E6 list. */
export const WeeklyDigestSettings = z.strictObject({
  enabled: z.boolean().default(true),
  recipientIds: z.array(Guid).max(500).nullable().default(null),
  customRecipients: z.array(z.email().max(256)).max(50).default([]),
});
export type WeeklyDigestSettings = z.infer<typeof WeeklyDigestSettings>;

/** PATCH bodies: any subset of the fields, nothing else. */
export const UsersAtRiskAlertPatch = UsersAtRiskAlertSettings.partial();
export const WeeklyDigestPatch = WeeklyDigestSettings.partial();
