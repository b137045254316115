import { z } from 'zod';
import type { AssignmentInput, DirectoryPerson } from '../domain/recipients';
import { getStorage } from './clients';
import { UserRow } from './entities';
import { keys, partitions } from './keys';
import { getManyAcross, queryRange } from './table';

const AssignmentRow = z.object({
  roleTemplateId: z.string(),
  principalId: z.string(),
  principalType: z.enum(['user', 'group']),
  assignmentType: z.enum(['active', 'eligible']),
  activations: z
    .string()
    .optional()
    .transform((v) => (v ? (JSON.parse(v) as Array<{ from: string; until: string }>) : [])),
  createdDateTime: z.string(),
});

function personOf(u: UserRow): DirectoryPerson {
  return {
    id: u.userId,
    userPrincipalName: u.userPrincipalName ?? '',
    displayName: u.displayName ?? '',
    mail: u.mail,
    otherMails: u.otherMails ?? [],
  };
}

/** Role assignments and the people holding them: what recipient resolution (R-E6) needs, in two round trips. */
export async function readRoleHolders(
  tenantId: string,
): Promise<{ assignments: AssignmentInput[]; people: Map<string, DirectoryPerson> }> {
  const { tables } = getStorage();
  const assignments = (
    await queryRange<Record<string, unknown>>(tables, tenantId, keys.roleAssignmentRange)
  ).map((row) => AssignmentRow.parse(row));
  const userIds = [
    ...new Set(assignments.filter((a) => a.principalType === 'user').map((a) => a.principalId)),
  ];
  return { assignments, people: await readPeople(tenantId, userIds) };
}

/**
 * Directory people by id: role holders, and chosen digest recipients who may hold no role.
 * A user row that only ingested risk created is no directory person (it has no address).
 */
export async function readPeople(
  tenantId: string,
  ids: readonly string[],
): Promise<Map<string, DirectoryPerson>> {
  const rows = await getManyAcross<Record<string, unknown>>(
    getStorage().tables,
    ids.map((id) => ({ partitionKey: partitions.users(tenantId, id), rowKey: keys.user(id) })),
  );
  const people = new Map<string, DirectoryPerson>();
  for (const raw of rows.values()) {
    const u = UserRow.parse(raw);
    if (u.inDirectory === true) people.set(u.userId, personOf(u));
  }
  return people;
}
