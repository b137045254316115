import type { z } from 'zod';
import { badRequest } from '../errors';
import { resolveRecipients, usableAddress, type Recipient } from '../domain/recipients';
import {
  UsersAtRiskAlertPatch,
  WeeklyDigestPatch,
  type UsersAtRiskAlertSettings,
  type WeeklyDigestSettings,
} from '../domain/settings';
import { readPeople, readRoleHolders } from '../storage/directory-store';
import { getSettings, mergeSettings } from '../storage/settings-store';

/** GET/PATCH of the alert and digest settings (R-E2, R-E6, R-D3): PATCH merges the given fields. */
export function getAlertSettings(tenantId: string): Promise<UsersAtRiskAlertSettings> {
  return getSettings(tenantId, 'usersAtRiskAlert', true);
}

export async function patchAlertSettings(
  tenantId: string,
  patch: z.infer<typeof UsersAtRiskAlertPatch>,
): Promise<UsersAtRiskAlertSettings> {
  return mergeSettings(tenantId, 'usersAtRiskAlert', patch);
}

export function getDigestSettings(tenantId: string): Promise<WeeklyDigestSettings> {
  return getSettings(tenantId, 'weeklyDigest', true);
}

export async function patchDigestSettings(
  tenantId: string,
  patch: z.infer<typeof WeeklyDigestPatch>,
): Promise<WeeklyDigestSettings> {
  const ids = patch.recipientIds;
  return mergeSettings(
    tenantId,
    'weeklyDigest',
    patch,
    ids ? (stored) => checkDigestRecipients(tenantId, ids, stored.recipientIds ?? []) : undefined,
  );
}

/**
 * R-D3: the chosen recipients must be people the digest can reach: directory users of the
 * tenant with a usable address. Otherwise the PATCH would answer 200 and the digest would
 * leave them out every week without a word. Only ids not `chosen` already are checked: a
 * client that sends the whole object back (to switch the digest off, say) must not be
 * refused because someone chosen earlier has since left the directory.
 */
async function checkDigestRecipients(
  tenantId: string,
  ids: readonly string[],
  chosen: readonly string[],
): Promise<void> {
  const added = ids.flatMap((id, i) => (chosen.includes(id) ? [] : [{ id, i }]));
  const people = await readPeople(
    tenantId,
    added.map((a) => a.id),
  );
  for (const { id, i } of added) {
    const person = people.get(id);
    if (!person)
      throw badRequest(`Invalid body: recipientIds[${i}]: ${id} is not a user of this tenant's directory`);
    if (!usableAddress(person))
      throw badRequest(`Invalid body: recipientIds[${i}]: the user has no mail or other mail address`);
  }
}

export interface RecipientView {
  address: string;
  userId: string | null;
  userPrincipalName: string | null;
  displayName: string | null;
  reasons: Recipient['reasons'];
  custom: boolean;
}

/** The R-E6 list as it would be resolved now, each entry with why it is on it, plus who is left out and why. */
export async function listAlertRecipients(
  tenantId: string,
  now: Date,
): Promise<{ value: RecipientView[]; excluded: Array<{ userId: string; reason: string }> }> {
  const settings = await getSettings(tenantId, 'usersAtRiskAlert', true);
  const holders = await readRoleHolders(tenantId);
  const resolved = resolveRecipients({
    ...holders,
    disabledRecipientIds: settings.disabledRecipientIds,
    customRecipients: settings.customRecipients,
    at: now,
  });
  return {
    value: resolved.recipients.map((r) => ({
      address: r.address,
      userId: r.userId ?? null,
      userPrincipalName: r.userPrincipalName ?? null,
      displayName: r.displayName ?? null,
      reasons: r.reasons,
      custom: r.custom,
    })),
    excluded: resolved.excluded,
  };
}
