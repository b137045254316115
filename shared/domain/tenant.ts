import { z } from 'zod';
import { Guid, IsoDateTime } from './ids';

export const License = z.enum(['free', 'p1', 'p2', 'entraSuite']);
export type License = z.infer<typeof License>;

/** Licensed tenants get emails and premium detection details (SPEC §1). */
export const isLicensed = (license: License): boolean => license === 'p2' || license === 'entraSuite';

export const TenantProfile = z.strictObject({
  id: Guid,
  displayName: z.string().min(1).max(256),
  license: License,
});
export type TenantProfile = z.infer<typeof TenantProfile>;

export const DirectoryUser = z.strictObject({
  id: Guid,
  userPrincipalName: z.string().min(3).max(256),
  displayName: z.string().max(256).default(''),
  mail: z.email().max(256).optional().or(z.literal('')),
  otherMails: z.array(z.email().max(256)).max(20).default([]),
  createdDateTime: IsoDateTime.optional(),
});
export type DirectoryUser = z.infer<typeof DirectoryUser>;

export const RoleAssignment = z
  .strictObject({
    roleTemplateId: Guid,
    principalId: Guid,
    principalType: z.enum(['user', 'group']),
    assignmentType: z.enum(['active', 'eligible']),
    activations: z
      .array(z.strictObject({ from: IsoDateTime, until: IsoDateTime }))
      .max(100)
      .optional(),
    createdDateTime: IsoDateTime,
  })
  .superRefine((a, ctx) => {
    if (a.assignmentType === 'active' && a.activations) {
      ctx.addIssue({
        code: 'custom',
        path: ['activations'],
        message: 'only eligible (PIM) assignments have activations',
      });
    }
    a.activations?.forEach((w, i) => {
      if (w.until <= w.from)
        ctx.addIssue({ code: 'custom', path: ['activations', i, 'until'], message: 'must be after from' });
    });
  });
export type RoleAssignment = z.infer<typeof RoleAssignment>;

/** A stable id for an assignment, so importing the same directory twice changes nothing. */
export function assignmentId(
  a: Pick<RoleAssignment, 'roleTemplateId' | 'principalId' | 'assignmentType'>,
): string {
  return `${a.roleTemplateId}:${a.principalId}:${a.assignmentType}`;
}
