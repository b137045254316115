import { z } from 'zod';
import { DetectionInput, RemediationInput, SignInInput } from './ingestion';
import { UsersAtRiskAlertSettings, WeeklyDigestSettings } from './settings';
import { DirectoryUser, RoleAssignment, TenantProfile } from './tenant';

/** The tenant file format of SPEC §9 (seeds/ and `npm run seed`). */
export const SeedFile = z.strictObject({
  tenant: TenantProfile,
  users: z.array(DirectoryUser).max(100_000),
  roleAssignments: z.array(RoleAssignment).max(10_000),
  settings: z
    .strictObject({
      usersAtRiskAlert: UsersAtRiskAlertSettings.optional(),
      weeklyDigest: WeeklyDigestSettings.optional(),
    })
    .optional(),
  signIns: z.array(SignInInput).optional(),
  riskDetections: z.array(DetectionInput).optional(),
  remediations: z.array(RemediationInput).optional(),
});
export type SeedFile = z.infer<typeof SeedFile>;
