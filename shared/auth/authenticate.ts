import {
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
  type ProtectedHeaderParameters,
} from 'jose';

import { getConfig } from '../config';
import { setBounded } from '../bounded-map';
import { AppError, unauthenticated } from '../errors';
import { DEV_ALGORITHM, DEV_ISSUER, ensureDevSigningKey, type DevSigningKey } from './dev-token';
import { isGuid, principalFromClaims, type Principal } from './principal';

/** Retry-After of the 503 when a tenant's signing keys cannot be fetched (past the JWKS refetch cooldown). */
const KEYS_RETRY_AFTER_SECONDS = 30;

// Re-exported so callers that build or test authentication need one import.
export { DEV_ALGORITHM, DEV_APP_ID, DEV_ISSUER, ensureDevSigningKey, mintDevToken } from './dev-token';
export type { DevSigningKey, MintDevTokenOptions } from './dev-token';

/** Turns an `Authorization` header into the caller (R-A1, R-A2). */
export interface Authenticator {
  /**
   * @throws AppError `unauthenticated` (401) for a missing, malformed, expired or untrusted
   *   token, with a short reason that never quotes the token;
   *   `serviceUnavailable` (503) when the tenant's signing keys cannot be fetched.
   */
  authenticate(authorizationHeader: string | undefined): Promise<Principal>;
}

interface CommonOptions {
  /** Accepted `aud` values: a list, or one string with comma-separated values. */
  audience: string | readonly string[];
  /** The clock for token times and caches; default the system clock. */
  now?: () => Date;
  /** Allowed clock skew for `exp`/`nbf`; default 300 s, as Microsoft's own validators. */
  clockToleranceSeconds?: number;
}

/** `AUTH_MODE=dev`: trusts the local dev signing key only. Never used in Azure (config refuses it). */
export interface DevAuthenticatorOptions extends CommonOptions {
  mode: 'dev';
  /** The dev signing key file; generated on first use if missing. */
  keyFile: string;
}

/** `AUTH_MODE=entra`: Entra ID access tokens of onboarded tenants. */
export interface EntraAuthenticatorOptions extends CommonOptions {
  mode: 'entra';
  /** e.g. `https://login.microsoftonline.com`; the v2 issuer and the JWKS address derive from it. */
  authorityHost: string;
  /** Asked before any key is fetched for a tenant, so unknown tenants cause no outbound call. */
  isTenantOnboarded(tenantId: string): Promise<boolean>;
  /** How long an onboarding answer is reused; default 60 s. */
  onboardedCacheSeconds?: number;
  /** Tuning of jose's remote key set; defaults: cache 10 min, kid-miss refetch cooldown 30 s, timeout 5 s. */
  jwks?: { cacheMaxAgeMs?: number; cooldownMs?: number; timeoutMs?: number };
}

export type AuthenticatorOptions = DevAuthenticatorOptions | EntraAuthenticatorOptions;

/** Entra access tokens are RS256; nothing else (in particular not `none` or HS*) is accepted. */
const ENTRA_ALGORITHM = 'RS256';
/** Far above any real access token (a few KB even with many claims), far below abuse. */
const MAX_HEADER_LENGTH = 16 * 1024;
/** Bounds the memory an attacker can fill with random tenant ids. */
const MAX_ONBOARDED_ENTRIES = 10_000;
const BEARER = /^bearer\s+(\S+)\s*$/i;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

function bearerToken(header: string | undefined): string {
  if (header === undefined || header.trim() === '') throw unauthenticated('Authorization header is missing.');
  if (header.length > MAX_HEADER_LENGTH) throw unauthenticated('Authorization header is too large.');
  const match = BEARER.exec(header.trim());
  if (!match?.[1]) throw unauthenticated('Authorization header must use the Bearer scheme.');
  if (!COMPACT_JWS.test(match[1])) throw unauthenticated('Access token is malformed.');
  return match[1];
}

/** Reads the header unverified, only to pick the key; rejects other algorithms before any work. */
function protectedHeaderOf(token: string, algorithm: string): ProtectedHeaderParameters {
  let header: ProtectedHeaderParameters;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    throw unauthenticated('Access token is malformed.');
  }
  if (header.alg !== algorithm) throw unauthenticated('Access token signing algorithm is not accepted.');
  return header;
}

function parseAudiences(audience: string | readonly string[]): string[] {
  const list = (typeof audience === 'string' ? audience.split(',') : [...audience])
    .map((a) => a.trim())
    .filter((a) => a !== '');
  if (list.length === 0) throw new Error('At least one accepted audience is required');
  return list;
}

const claimReasons = new Map([
  ['aud', 'Access token audience is not accepted.'],
  ['iss', 'Access token issuer is not accepted.'],
  ['nbf', 'Access token is not yet valid.'],
  ['exp', 'Access token has no valid expiry.'],
  ['iat', 'Access token issue time is invalid.'],
]);

/** Maps jose's failures to a 401 with a short reason, or to 503 when keys could not be fetched. */
function toAuthError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof errors.JWTExpired) return unauthenticated('Access token has expired.');
  if (error instanceof errors.JWTClaimValidationFailed) {
    return unauthenticated(claimReasons.get(error.claim) ?? 'Access token claims are invalid.');
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return unauthenticated('Access token signature is invalid.');
  }
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return unauthenticated('Access token signing algorithm is not accepted.');
  }
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
    return unauthenticated('Access token signing key is not known.');
  }
  if (
    error instanceof errors.JWSInvalid ||
    error instanceof errors.JWTInvalid ||
    error instanceof errors.JOSENotSupported ||
    error instanceof errors.JWKInvalid
  ) {
    return unauthenticated('Access token is malformed.');
  }
  // Timeouts, non-200 answers, unparsable key sets, network errors: the token may be fine,
  // the identity provider is not reachable; a retry can succeed, so not a 401.
  return new AppError(
    'serviceUnavailable',
    'The signing keys of the tenant could not be fetched; retry shortly.',
    KEYS_RETRY_AFTER_SECONDS,
  );
}

function createDevAuthenticator(options: DevAuthenticatorOptions): Authenticator {
  const audience = parseAudiences(options.audience);
  const now = options.now ?? (() => new Date());
  const clockTolerance = options.clockToleranceSeconds ?? 300;
  let key: Promise<DevSigningKey> | undefined;

  function signingKey(reload: boolean): Promise<DevSigningKey> {
    if (reload || key === undefined) {
      const pending = ensureDevSigningKey(options.keyFile);
      key = pending;
      // A failed load is retried on the next call instead of failing forever.
      pending.catch(() => {
        if (key === pending) key = undefined;
      });
    }
    return key;
  }

  return {
    async authenticate(authorizationHeader) {
      const token = bearerToken(authorizationHeader);
      const header = protectedHeaderOf(token, DEV_ALGORITHM);
      let current = await signingKey(false);
      if (header.kid !== current.kid) {
        // The key file may have been recreated since it was loaded (e.g. .riskloop/ deleted).
        current = await signingKey(true);
        if (header.kid !== current.kid) throw unauthenticated('Access token signing key is not known.');
      }
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, current.publicKey, {
          algorithms: [DEV_ALGORITHM],
          issuer: DEV_ISSUER,
          audience,
          requiredClaims: ['exp'],
          currentDate: now(),
          clockTolerance,
        }));
      } catch (error) {
        throw toAuthError(error);
      }
      return principalFromClaims(payload);
    },
  };
}

function createEntraAuthenticator(options: EntraAuthenticatorOptions): Authenticator {
  const audience = parseAudiences(options.audience);
  const now = options.now ?? (() => new Date());
  const clockTolerance = options.clockToleranceSeconds ?? 300;
  const authorityHost = options.authorityHost.replace(/\/+$/, '');
  const onboardedTtlMs = (options.onboardedCacheSeconds ?? 60) * 1000;
  const onboarded = new Map<string, { until: number; answer: Promise<boolean> }>();
  // One remote key set per tenant, created only for onboarded tenants, so this stays small.
  const keySets = new Map<string, JWTVerifyGetKey>();

  function isOnboarded(tenantId: string): Promise<boolean> {
    const at = now().getTime();
    const cached = onboarded.get(tenantId);
    if (cached !== undefined && cached.until > at) return cached.answer;
    // Caching the promise lets concurrent requests of one tenant share one lookup.
    const answer = Promise.resolve().then(() => options.isTenantOnboarded(tenantId));
    setBounded(onboarded, tenantId, { until: at + onboardedTtlMs, answer }, MAX_ONBOARDED_ENTRIES);
    // A failed lookup (storage down) must not be remembered as an answer.
    answer.catch(() => {
      if (onboarded.get(tenantId)?.answer === answer) onboarded.delete(tenantId);
    });
    return answer;
  }

  function keySetOf(tenantId: string): JWTVerifyGetKey {
    let keySet = keySets.get(tenantId);
    if (keySet === undefined) {
      // jose refetches on an unknown kid (key rollover) at most once per cooldown, and
      // refreshes the whole set after cacheMaxAge, so removed keys stop being trusted.
      keySet = createRemoteJWKSet(new URL(`${authorityHost}/${tenantId}/discovery/v2.0/keys`), {
        cacheMaxAge: options.jwks?.cacheMaxAgeMs ?? 10 * 60_000,
        cooldownDuration: options.jwks?.cooldownMs ?? 30_000,
        timeoutDuration: options.jwks?.timeoutMs ?? 5_000,
      });
      keySets.set(tenantId, keySet);
    }
    return keySet;
  }

  return {
    async authenticate(authorizationHeader) {
      const token = bearerToken(authorizationHeader);
      protectedHeaderOf(token, ENTRA_ALGORITHM);
      let unverified: JWTPayload;
      try {
        unverified = decodeJwt(token);
      } catch {
        throw unauthenticated('Access token is malformed.');
      }
      // Unverified here: it only chooses which tenant's issuer and keys the token must match.
      const tid = unverified['tid'];
      if (typeof tid !== 'string' || !isGuid(tid))
        throw unauthenticated('Access token has no valid tenant id (tid).');
      const tenantId = tid.toLowerCase();
      if (!(await isOnboarded(tenantId))) throw unauthenticated('Access token tenant is not accepted.');

      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, keySetOf(tenantId), {
          algorithms: [ENTRA_ALGORITHM],
          issuer: [`${authorityHost}/${tid}/v2.0`, `https://sts.windows.net/${tid}/`],
          audience,
          requiredClaims: ['exp'],
          currentDate: now(),
          clockTolerance,
        }));
      } catch (error) {
        throw toAuthError(error);
      }
      return principalFromClaims(payload);
    },
  };
}

/**
 * Builds an authenticator from explicit settings (tests build one without any environment).
 *
 * @throws Error when no audience is given.
 */
export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  return options.mode === 'dev' ? createDevAuthenticator(options) : createEntraAuthenticator(options);
}

/**
 * The app's authenticator, from `AUTH_MODE`, `AUTH_AUDIENCE`, `AUTH_AUTHORITY_HOST` and
 * `DEV_SIGNING_KEY_FILE` (see shared/config). `isTenantOnboarded` is used in entra mode only:
 * in dev mode whoever holds the local key may act for any tenant.
 */
export function authenticatorFromConfig(
  isTenantOnboarded: (tenantId: string) => Promise<boolean>,
): Authenticator {
  const config = getConfig();
  return config.AUTH_MODE === 'dev'
    ? createAuthenticator({
        mode: 'dev',
        audience: config.AUTH_AUDIENCE,
        keyFile: config.DEV_SIGNING_KEY_FILE,
      })
    : createAuthenticator({
        mode: 'entra',
        audience: config.AUTH_AUDIENCE,
        authorityHost: config.AUTH_AUTHORITY_HOST,
        isTenantOnboarded,
      });
}
