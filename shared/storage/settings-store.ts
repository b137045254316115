import { z } from 'zod';
import { UsersAtRiskAlertSettings, WeeklyDigestSettings } from '../domain/settings';
import { getStorage } from './clients';
import { keys } from './keys';
import { getOptional } from './table';

const schemas = { usersAtRiskAlert: UsersAtRiskAlertSettings, weeklyDigest: WeeklyDigestSettings } as const;
type Name = keyof typeof schemas;
type SettingsOf<N extends Name> = z.infer<(typeof schemas)[N]>;

const cache = new Map<string, { at: number; value: unknown }>();
const CACHE_MS = 15_000;

/** A tenant's settings with defaults filled in. Cached briefly per process; writes through this module clear it. */
export async function getSettings<N extends Name>(
  tenantId: string,
  name: N,
  fresh = false,
): Promise<SettingsOf<N>> {
  const cacheKey = `${tenantId}|${name}`;
  const hit = cache.get(cacheKey);
  if (!fresh && hit && Date.now() - hit.at < CACHE_MS) return hit.value as SettingsOf<N>;
  const row = await getOptional<{ value?: string }>(getStorage().table, tenantId, keys.settings(name));
  const stored: unknown = row?.value ? JSON.parse(row.value) : {};
  const value = schemas[name].parse(stored) as SettingsOf<N>;
  cache.set(cacheKey, { at: Date.now(), value });
  return value;
}

export async function putSettings<N extends Name>(
  tenantId: string,
  name: N,
  value: SettingsOf<N>,
): Promise<SettingsOf<N>> {
  const valid = schemas[name].parse(value) as SettingsOf<N>;
  await getStorage().table.upsertEntity(
    {
      partitionKey: tenantId,
      rowKey: keys.settings(name),
      rowType: 'settings',
      value: JSON.stringify(valid),
    },
    'Replace',
  );
  cache.delete(`${tenantId}|${name}`);
  return valid;
}
