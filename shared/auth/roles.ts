import { forbidden } from '../errors';
import type { Principal } from './principal';

/** Directory role template ids (SPEC §1), as they appear in the `wids` claim. */
export const DirectoryRole = {
  GlobalAdministrator: '62e90394-69f5-4237-9190-012177145e10',
  SecurityAdministrator: '194ae4cb-b126-40b2-bd5b-6091b380977d',
  SecurityOperator: '5f2222b1-57c3-48ba-8ad5-d4759f1fde6f',
  SecurityReader: '5d6b6bb7-de71-4623-b4af-96380a352509',
  GlobalReader: 'f2ef992c-3afb-46b9-b7cf-a126ee74c451',
} as const;

export type DirectoryRoleName = keyof typeof DirectoryRole;
export type DirectoryRoleId = (typeof DirectoryRole)[DirectoryRoleName];

/** App roles (SPEC §8), named like the Graph application permissions they mirror. */
export const AppRole = {
  IdentityRiskyUserReadAll: 'IdentityRiskyUser.Read.All',
  IdentityRiskyUserReadWriteAll: 'IdentityRiskyUser.ReadWrite.All',
  IdentityRiskEventReadAll: 'IdentityRiskEvent.Read.All',
  IdentityRiskEventReadWriteAll: 'IdentityRiskEvent.ReadWrite.All',
} as const;

export type AppRoleName = (typeof AppRole)[keyof typeof AppRole];

/**
 * What a caller can ask for (SPEC §8 rows):
 * - `read`: risky users, detections, sign-ins, history, notifications;
 * - `userFeedback`: confirmCompromised / dismiss / confirmSafe on riskyUsers;
 * - `signInFeedback`: confirmSafe / confirmCompromised / dismiss on signIns;
 * - `changeSettings`: PATCH of the alert and digest settings;
 * - `ingest`: POST of sign-ins, detections and remediations.
 */
export type Operation = 'read' | 'userFeedback' | 'signInFeedback' | 'changeSettings' | 'ingest';

export interface Permission {
  /** Used in the 403 message. */
  readonly description: string;
  /** Directory roles that allow the operation for delegated (user) tokens. */
  readonly wids: readonly DirectoryRoleId[];
  /** App roles that allow the operation for app-only tokens. */
  readonly roles: readonly AppRoleName[];
}

const { GlobalAdministrator, SecurityAdministrator, SecurityOperator, SecurityReader, GlobalReader } =
  DirectoryRole;

const feedbackRoles = [SecurityOperator, SecurityAdministrator, GlobalAdministrator] as const;

/** SPEC §8, R-A3: the one table authorisation is decided from. */
export const permissions: Readonly<Record<Operation, Permission>> = {
  read: {
    description: 'read identity risk data',
    wids: [SecurityReader, SecurityOperator, SecurityAdministrator, GlobalReader, GlobalAdministrator],
    roles: [
      AppRole.IdentityRiskyUserReadAll,
      AppRole.IdentityRiskEventReadAll,
      AppRole.IdentityRiskyUserReadWriteAll,
      AppRole.IdentityRiskEventReadWriteAll,
    ],
  },
  userFeedback: {
    description: 'give feedback on risky users',
    wids: feedbackRoles,
    roles: [AppRole.IdentityRiskyUserReadWriteAll],
  },
  signInFeedback: {
    description: 'give feedback on risky sign-ins',
    wids: feedbackRoles,
    roles: [AppRole.IdentityRiskEventReadWriteAll],
  },
  changeSettings: {
    description: 'change alert and digest settings',
    wids: [SecurityAdministrator, GlobalAdministrator],
    roles: [],
  },
  ingest: {
    description: 'ingest sign-ins, detections and remediations',
    wids: [],
    roles: [AppRole.IdentityRiskEventReadWriteAll],
  },
};

const roleNameById = new Map<string, string>(Object.entries(DirectoryRole).map(([name, id]) => [id, name]));

/**
 * True when the principal may perform the operation. Delegated tokens are judged by their
 * directory roles only and app-only tokens by their app roles only (R-A3): an app role
 * assigned to a user, or a directory role held by a service principal, grants nothing here.
 */
export function isAllowed(principal: Principal, operation: Operation): boolean {
  const permission = permissions[operation];
  const held: readonly string[] = principal.kind === 'delegated' ? principal.wids : principal.roles;
  const allowed: readonly string[] = principal.kind === 'delegated' ? permission.wids : permission.roles;
  return held.some((claim) => allowed.includes(claim));
}

/**
 * Throws unless the principal may perform the operation.
 *
 * @throws AppError `forbidden` naming the operation and the roles that would allow it.
 */
export function authorize(principal: Principal, operation: Operation): void {
  if (isAllowed(principal, operation)) return;
  const permission = permissions[operation];
  const needed =
    principal.kind === 'delegated'
      ? permission.wids.map((id) => roleNameById.get(id) ?? id)
      : [...permission.roles];
  const kind = principal.kind === 'delegated' ? 'directory roles' : 'app roles';
  throw forbidden(
    needed.length === 0
      ? `Not allowed to ${permission.description} (${operation}): no ${kind} grant it; ` +
          (principal.kind === 'delegated' ? 'use an app-only token.' : 'use a delegated token.')
      : `Not allowed to ${permission.description} (${operation}): requires one of the ${kind} ${needed.join(', ')}.`,
  );
}
