import { z } from 'zod';
import { DetectionInput, RemediationInput, SignInInput } from './ingestion';
import { UsersAtRiskAlertSettings, WeeklyDigestSettings } from './settings';
import { DirectoryUser, RoleAssignment, TenantProfile } from './tenant';

/**
 * Reports every item listed a second time under the same key. The directory is imported in
 * transactions, and one transaction cannot write the same row twice: a repeated user or
 * role assignment would fail the import half-way with a storage error naming no field.
 */
function refuseRepeats<T>(
  items: readonly T[],
  keyOf: (item: T) => string,
  ctx: z.RefinementCtx,
  path: (index: number) => (string | number)[],
  message: (item: T, first: number) => string,
): void {
  const seen = new Map<string, number>();
  items.forEach((item, index) => {
    const key = keyOf(item);
    const first = seen.get(key);
    if (first === undefined) seen.set(key, index);
    else ctx.addIssue({ code: 'custom', path: path(index), message: message(item, first) });
  });
}

/** The tenant file format of SPEC §9 (seeds/ and `npm run seed`). */
export const SeedFile = z
  .strictObject({
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
  })
  .superRefine((seed, ctx) => {
    refuseRepeats(
      seed.users,
      (u) => u.id,
      ctx,
      (i) => ['users', i, 'id'],
      (u, first) => `user ${u.id} is listed twice (also users[${first}])`,
    );
    refuseRepeats(
      seed.roleAssignments,
      (a) => `${a.roleTemplateId}|${a.principalId}|${a.assignmentType}`,
      ctx,
      (i) => ['roleAssignments', i],
      (a, first) =>
        `role ${a.roleTemplateId} is assigned to ${a.principalId} as ${a.assignmentType} twice (also roleAssignments[${first}])`,
    );
  });
export type SeedFile = z.infer<typeof SeedFile>;
