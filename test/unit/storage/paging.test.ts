import { describe, expect, it } from 'vitest';
import { isContinuationOfTenant } from '../../../shared/storage/paging';

const A = '11111111-1111-4111-8111-111111111111';
const B = '22222222-2222-4222-8222-222222222222';
const azurite = (pk: string): string => Buffer.from(pk).toString('base64');
const azure = (pk: string): string => `1!${pk.length}!${Buffer.from(pk).toString('base64')}`;

describe('isContinuationOfTenant (R-A1: a $skiptoken never leaves the tenant)', () => {
  it.each([
    ['the tenant partition', A],
    ['a facts partition of the tenant', `${A}|f|33333333-3333-4333-8333-333333333333`],
    ['the index partition', `${A}|i`],
  ])('accepts %s, in both encodings', (_what, pk) => {
    expect(isContinuationOfTenant(azurite(pk), A)).toBe(true);
    expect(isContinuationOfTenant(azure(pk), A)).toBe(true);
  });

  it.each([
    ["another tenant's partition", B],
    ["another tenant's facts partition", `${B}|f|${A}`],
    ['a key that only starts with the tenant id', `${A}x`],
    ['the tenant registry', 'tenants'],
  ])('refuses %s', (_what, pk) => {
    expect(isContinuationOfTenant(azurite(pk), A)).toBe(false);
    expect(isContinuationOfTenant(azure(pk), A)).toBe(false);
  });
});
