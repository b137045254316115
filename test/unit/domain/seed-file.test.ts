import { describe, expect, it } from 'vitest';
import { SeedFile } from '../../../shared/domain/seed-file';
import { describeZodError } from '../../../shared/http/body';
import { GA, SR, tenantSeed, userId } from '../../helpers/tenants';

/** The problem `npm run seed` reports for a tenant file, or undefined when it loads. */
function problemOf(seed: unknown): string | undefined {
  const result = SeedFile.safeParse(seed);
  return result.success ? undefined : describeZodError(result.error, 'seed file');
}

describe('tenant files (SPEC §9)', () => {
  it('a directory with each user and role assignment once loads', () => {
    const seed = tenantSeed(1, 'p2', 3);
    seed.roleAssignments.push({ ...seed.roleAssignments[0]!, roleTemplateId: SR });
    expect(problemOf(seed)).toBeUndefined();
  });

  it('R-X1: a user listed twice (ids compared as GUIDs) is refused naming the second, before anything is stored', () => {
    const seed = tenantSeed(1, 'p2', 3);
    seed.users.push({ ...seed.users[1]!, id: userId(1, 2).toUpperCase(), displayName: 'Again' });
    expect(problemOf(seed)).toBe(
      `Invalid seed file: users[3].id: user ${userId(1, 2)} is listed twice (also users[1])`,
    );
  });

  it('R-X1: the same role assignment listed twice is refused naming the second, before anything is stored', () => {
    const seed = tenantSeed(1, 'p2', 3);
    seed.roleAssignments.push({ ...seed.roleAssignments[0]!, createdDateTime: '2025-01-01T00:00:00Z' });
    expect(problemOf(seed)).toBe(
      `Invalid seed file: roleAssignments[1]: role ${GA} is assigned to ${userId(1, 1)} as active twice (also roleAssignments[0])`,
    );
  });
});
