import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { primeTenant, tenantCached } from '../../../shared/storage/tenant-store';

/**
 * In entra mode the authenticator asks whether a token's tenant is onboarded before it
 * verifies the signature, so an anonymous caller picks the tenant ids that are looked up.
 * The authenticator bounds its own answers (10,000); the tenant cache under it must not
 * keep every id an attacker made up.
 */
describe('tenant cache', () => {
  it('keeps at most 10,000 tenants, so made-up tid claims cannot fill the memory', () => {
    const made = Array.from({ length: 10_500 }, () => randomUUID());
    for (const id of made) primeTenant(id, undefined);
    expect(made.filter((id) => tenantCached(id)).length).toBeLessThanOrEqual(10_000);
    // The most recent answers are the ones kept.
    expect(tenantCached(made.at(-1)!)).toBe(true);
  });

  it('R-A2: still answers an onboarded tenant from the cache after a flood of unknown ones', () => {
    const onboarded = randomUUID();
    for (let i = 0; i < 10_500; i += 1) primeTenant(randomUUID(), undefined);
    const tenant = primeTenant(onboarded, { displayName: 'Contoso', license: 'p2' });
    expect(tenant).toEqual({ id: onboarded, displayName: 'Contoso', license: 'p2' });
    expect(tenantCached(onboarded)).toBe(true);
  });
});
