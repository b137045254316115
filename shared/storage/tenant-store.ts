import type { TransactionAction } from '@azure/data-tables';
import { z } from 'zod';
import { setBounded } from '../bounded-map';
import {
  assignmentId,
  License,
  type DirectoryUser,
  type RoleAssignment,
  type TenantProfile,
} from '../domain/tenant';
import { getStorage } from './clients';
import { toEntity } from './entities';
import { keys, partitions } from './keys';
import { primeSettings, settingsCached } from './settings-store';
import { getOptional, queryRange, submitGroupsByPartition, upsertRow } from './table';

const ProfileRow = z.object({ displayName: z.string(), license: License });

export interface Tenant {
  id: string;
  displayName: string;
  license: License;
}

const cache = new Map<string, { at: number; tenant: Tenant | undefined }>();
const CACHE_MS = 30_000;
/**
 * In entra mode a token's `tid` is looked up before its signature is checked, so anyone can
 * make this cache remember made-up tenants: bounded like the authenticator's own answers,
 * the oldest forgotten first.
 */
const MAX_CACHED_TENANTS = 10_000;

/** The tenant's profile, or undefined when it is not onboarded. Cached briefly per process. */
export async function getTenant(tenantId: string, fresh = false): Promise<Tenant | undefined> {
  const hit = cache.get(tenantId);
  if (!fresh && hit && Date.now() - hit.at < CACHE_MS) return hit.tenant;
  const row = await getOptional<Record<string, unknown>>(getStorage().tables, tenantId, keys.tenantProfile);
  return primeTenant(tenantId, row);
}

/** Whether the tenant's profile is cached and fresh. */
export function tenantCached(tenantId: string): boolean {
  const hit = cache.get(tenantId);
  return hit !== undefined && Date.now() - hit.at < CACHE_MS;
}

/** Caches a profile row read elsewhere (absent = not onboarded) and returns the tenant. */
export function primeTenant(tenantId: string, row: Record<string, unknown> | undefined): Tenant | undefined {
  const tenant = row ? { id: tenantId, ...ProfileRow.parse(row) } : undefined;
  setBounded(cache, tenantId, { at: Date.now(), tenant }, MAX_CACHED_TENANTS);
  return tenant;
}

/**
 * Loads the tenant's profile and settings together — one range read of its `t|…` rows —
 * when either is not cached, so a cold worker pays one round trip for them, not three.
 */
export async function warmTenantCaches(tenantId: string): Promise<void> {
  if (tenantCached(tenantId) && settingsCached(tenantId)) return;
  const rows = await queryRange<Record<string, unknown>>(getStorage().tables, tenantId, keys.tenantRowsRange);
  const byKey = new Map(rows.map((row) => [row.rowKey, row]));
  primeTenant(tenantId, byKey.get(keys.tenantProfile));
  primeSettings(tenantId, 'usersAtRiskAlert', byKey.get(keys.settings('usersAtRiskAlert')));
  primeSettings(tenantId, 'weeklyDigest', byKey.get(keys.settings('weeklyDigest')));
}

export async function putTenant(profile: TenantProfile): Promise<void> {
  const { tables } = getStorage();
  const fields = { rowType: 'tenant', displayName: profile.displayName, license: profile.license };
  await upsertRow(tables, { partitionKey: profile.id, rowKey: keys.tenantProfile, ...fields });
  // The registry the digest fans out from; a second write, idempotent like the first.
  await upsertRow(tables, { partitionKey: keys.tenantRegistryPartition, rowKey: profile.id, ...fields });
  cache.delete(profile.id);
}

/** Every onboarded tenant, from the registry partition (one partition query). */
export async function listTenants(): Promise<Tenant[]> {
  const rows = await queryRange<Record<string, unknown>>(getStorage().tables, keys.tenantRegistryPartition, {
    from: '',
    to: '~',
  });
  return rows.map((row) => ({ id: String(row.rowKey), ...ProfileRow.parse(row) }));
}

/** Imports directory users and role assignments; merging, so risk fields on user rows survive. */
export async function importDirectory(
  tenantId: string,
  users: readonly DirectoryUser[],
  assignments: readonly RoleAssignment[],
): Promise<void> {
  const rows: TransactionAction[][] = [
    ...users.map((u): TransactionAction[] => [
      [
        'upsert',
        {
          partitionKey: partitions.users(tenantId, u.id),
          rowKey: keys.user(u.id),
          ...toEntity({
            rowType: 'user',
            userId: u.id,
            userPrincipalName: u.userPrincipalName,
            displayName: u.displayName,
            mail: u.mail ?? '',
            otherMails: u.otherMails,
            createdDateTime: u.createdDateTime,
            inDirectory: true,
          }),
        },
        'Merge',
      ],
    ]),
    ...assignments.map((a): TransactionAction[] => [
      [
        'upsert',
        {
          partitionKey: tenantId,
          rowKey: keys.roleAssignment(assignmentId(a)),
          ...toEntity({ rowType: 'roleAssignment', ...a, activations: a.activations ?? [] }),
        },
        'Replace',
      ],
    ]),
  ];
  await submitGroupsByPartition(getStorage().tables, rows);
}
