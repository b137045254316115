import { z } from 'zod';

import { unauthenticated } from '../errors';

/**
 * Who is calling, as read from a verified access token. `tenantId` scopes every read and
 * write (R-A1); `wids` and `roles` decide what the caller may do (R-A3, see roles.ts).
 */
export interface Principal {
  /** The `tid` claim, lower-case. */
  tenantId: string;
  /** The `oid` claim: the user for delegated tokens, the service principal for app-only ones. */
  objectId?: string;
  /** The calling client application (`azp` in v2 tokens, `appid` in v1 tokens). */
  appId?: string;
  kind: 'delegated' | 'app';
  /** Directory role template ids (`wids`), lower-case. */
  wids: string[];
  /** App roles (`roles`), as issued. */
  roles: string[];
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True when `value` is a GUID in the 8-4-4-4-12 form Entra uses for every id. */
export function isGuid(value: string): boolean {
  return GUID.test(value);
}

const guid = z
  .string()
  .regex(GUID)
  .transform((s) => s.toLowerCase());

// Only the claims riskloop relies on; everything else in the token is ignored.
const claimsSchema = z.object({
  tid: guid,
  oid: guid.optional(),
  scp: z.string().optional(),
  idtyp: z.string().optional(),
  azp: z.string().min(1).optional(),
  appid: z.string().min(1).optional(),
  wids: z.array(guid).optional(),
  roles: z.array(z.string()).optional(),
});

/**
 * Builds a {@link Principal} from the payload of an already verified token.
 *
 * Entra marks a delegated (user) token with `scp`; an app-only token never has `scp` and
 * carries `idtyp: "app"` when that optional claim is configured. So `scp` decides: a token
 * without it is app-only, whatever `idtyp` says, because treating it as delegated would let
 * its `wids` count without a signed-in user behind them.
 *
 * @throws AppError `unauthenticated` when the claims cannot identify a caller.
 */
export function principalFromClaims(payload: unknown): Principal {
  const parsed = claimsSchema.safeParse(payload);
  if (!parsed.success) {
    const claim = parsed.error.issues[0]?.path[0];
    throw unauthenticated(
      claim === 'tid'
        ? 'Access token has no valid tenant id (tid).'
        : `Access token claim "${String(claim)}" is malformed.`,
    );
  }
  const claims = parsed.data;
  const appId = claims.azp ?? claims.appid;
  const delegated = claims.scp !== undefined && claims.scp.trim() !== '';
  if (delegated && claims.oid === undefined) {
    throw unauthenticated('Delegated access token has no user object id (oid).');
  }
  if (!delegated && appId === undefined) {
    throw unauthenticated('App-only access token has no application id (azp/appid).');
  }
  return {
    tenantId: claims.tid,
    ...(claims.oid !== undefined && { objectId: claims.oid }),
    ...(appId !== undefined && { appId }),
    kind: delegated ? 'delegated' : 'app',
    wids: claims.wids ?? [],
    roles: claims.roles ?? [],
  };
}

/**
 * The id recorded as the initiator of an action in audit history (R-S7: the caller's object
 * id): the user's for delegated calls, the service principal's for app-only calls (Entra's
 * app-only tokens carry it as `oid`); an app-only token without `oid` is recorded by its
 * client application id.
 */
export function initiatedBy(principal: Principal): string {
  const id = principal.kind === 'delegated' ? principal.objectId : (principal.objectId ?? principal.appId);
  if (id === undefined) {
    // principalFromClaims guarantees the id; reaching this means a hand-built principal.
    throw new Error(
      `A ${principal.kind} principal has no ${principal.kind === 'delegated' ? 'objectId' : 'appId'}`,
    );
  }
  return id;
}
