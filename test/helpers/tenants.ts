import type { SeedFile } from '../../shared/domain/seed-file';

/** Small tenants for integration tests; ids are fixed so tests can name them. */
export const GA = '62e90394-69f5-4237-9190-012177145e10';
export const SA = '194ae4cb-b126-40b2-bd5b-6091b380977d';
export const SO = '5f2222b1-57c3-48ba-8ad5-d4759f1fde6f';
export const SR = '5d6b6bb7-de71-4623-b4af-96380a352509';

export const userId = (tenantNo: number, n: number): string =>
  `${String(tenantNo).padStart(4, '0')}${String(n).padStart(4, '0')}-1111-4222-8333-${String(n).padStart(12, '0')}`;
export const tenantId = (n: number): string => `${String(n).padStart(8, '0')}-0000-4000-8000-00000000aaaa`;

export function tenantSeed(n: number, license: SeedFile['tenant']['license'], users = 5): SeedFile {
  return {
    tenant: { id: tenantId(n), displayName: `Tenant ${n}`, license },
    users: Array.from({ length: users }, (_, i) => ({
      id: userId(n, i + 1),
      userPrincipalName: `user${i + 1}@t${n}.example`,
      displayName: `User ${i + 1}`,
      mail: `user${i + 1}@t${n}.example`,
      otherMails: [],
    })),
    roleAssignments: [
      {
        roleTemplateId: GA,
        principalId: userId(n, 1),
        principalType: 'user',
        assignmentType: 'active',
        createdDateTime: '2024-01-01T00:00:00.000Z',
      },
    ],
  };
}
