import { describe, expect, it } from 'vitest';

import { AppError } from '../../../shared/errors';
import {
  AppRole,
  authorize,
  DirectoryRole,
  isAllowed,
  permissions,
  type Operation,
} from '../../../shared/auth/roles';
import type { Principal } from '../../../shared/auth/principal';

const TENANT = '11111111-1111-4111-8111-111111111111';
const USER = '22222222-2222-4222-8222-222222222222';
const APP = '33333333-3333-4333-8333-333333333333';
/** Entra's "default user" role template: present in many user tokens, grants nothing here. */
const DEFAULT_USER_ROLE = 'b79fbf4d-3ef9-4689-8143-76b194e85509';

const user = (...wids: string[]): Principal => ({
  tenantId: TENANT,
  objectId: USER,
  appId: APP,
  kind: 'delegated',
  wids,
  roles: [],
});
const app = (...roles: string[]): Principal => ({
  tenantId: TENANT,
  appId: APP,
  kind: 'app',
  wids: [],
  roles,
});

// SPEC §8, written out as the spec's table reads, independently of shared/auth/roles.ts.
const spec: Record<Operation, { wids: (keyof typeof DirectoryRole)[]; roles: string[] }> = {
  read: {
    wids: [
      'SecurityReader',
      'SecurityOperator',
      'SecurityAdministrator',
      'GlobalReader',
      'GlobalAdministrator',
    ],
    roles: [
      'IdentityRiskyUser.Read.All',
      'IdentityRiskEvent.Read.All',
      'IdentityRiskyUser.ReadWrite.All',
      'IdentityRiskEvent.ReadWrite.All',
    ],
  },
  userFeedback: {
    wids: ['SecurityOperator', 'SecurityAdministrator', 'GlobalAdministrator'],
    roles: ['IdentityRiskyUser.ReadWrite.All'],
  },
  signInFeedback: {
    wids: ['SecurityOperator', 'SecurityAdministrator', 'GlobalAdministrator'],
    roles: ['IdentityRiskEvent.ReadWrite.All'],
  },
  changeSettings: { wids: ['SecurityAdministrator', 'GlobalAdministrator'], roles: [] },
  ingest: { wids: [], roles: ['IdentityRiskEvent.ReadWrite.All'] },
};

const operations = Object.keys(spec) as Operation[];
const roleNames = Object.keys(DirectoryRole) as (keyof typeof DirectoryRole)[];
const appRoles = [...Object.values(AppRole), 'User.Read.All'];

describe('directory role template ids (SPEC §1)', () => {
  it('match the well-known Entra template ids', () => {
    expect(DirectoryRole).toEqual({
      GlobalAdministrator: '62e90394-69f5-4237-9190-012177145e10',
      SecurityAdministrator: '194ae4cb-b126-40b2-bd5b-6091b380977d',
      SecurityOperator: '5f2222b1-57c3-48ba-8ad5-d4759f1fde6f',
      SecurityReader: '5d6b6bb7-de71-4623-b4af-96380a352509',
      GlobalReader: 'f2ef992c-3afb-46b9-b7cf-a126ee74c451',
    });
  });

  it('the permission table covers exactly the operations of SPEC §8', () => {
    expect(Object.keys(permissions).sort()).toEqual([...operations].sort());
  });
});

describe.each(operations)('R-A3 permission table, operation %s', (operation) => {
  const row = spec[operation];

  it.each(roleNames)(`R-A3 delegated token with directory role %s`, (name) => {
    expect(isAllowed(user(DirectoryRole[name]), operation)).toBe(row.wids.includes(name));
  });

  it.each(appRoles)(`R-A3 app-only token with app role %s`, (role) => {
    expect(isAllowed(app(role), operation)).toBe(row.roles.includes(role));
  });

  it('R-A3 a user with only the default user role is refused', () => {
    expect(isAllowed(user(DEFAULT_USER_ROLE), operation)).toBe(false);
  });

  it('R-A3 delegated tokens count wids only: an app role assigned to a user grants nothing', () => {
    const principal = { ...user(DEFAULT_USER_ROLE), roles: [...Object.values(AppRole)] };
    expect(isAllowed(principal, operation)).toBe(false);
  });

  it('R-A3 app-only tokens count roles only: a directory role of the service principal grants nothing', () => {
    const principal = { ...app(), wids: Object.values(DirectoryRole) };
    expect(isAllowed(principal, operation)).toBe(false);
  });
});

describe('authorize', () => {
  it('R-A3 passes silently when a role allows the operation', () => {
    expect(() => authorize(user(DirectoryRole.SecurityOperator), 'userFeedback')).not.toThrow();
    expect(() => authorize(app(AppRole.IdentityRiskEventReadWriteAll), 'ingest')).not.toThrow();
  });

  it('R-A3 throws forbidden (403) naming the operation and the roles that would allow it', () => {
    const error = captured(() => authorize(user(DirectoryRole.SecurityReader), 'userFeedback'));
    expect(error.code).toBe('forbidden');
    expect(error.message).toContain('userFeedback');
    expect(error.message).toContain('SecurityOperator');
    expect(error.message).not.toContain(USER);
  });

  it('R-A3 tells a user that ingestion needs an app-only token', () => {
    const error = captured(() => authorize(user(DirectoryRole.GlobalAdministrator), 'ingest'));
    expect(error.code).toBe('forbidden');
    expect(error.message).toMatch(/ingest.*app-only/);
  });

  it('R-A3 tells an app that settings need a delegated token', () => {
    const error = captured(() => authorize(app(...Object.values(AppRole)), 'changeSettings'));
    expect(error.message).toMatch(/changeSettings.*delegated/);
  });
});

function captured(fn: () => void): AppError {
  try {
    fn();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected an AppError');
}
