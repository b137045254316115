import { randomUUID } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, SignJWT, type KeyLike } from 'jose';
import { z } from 'zod';

import { isGuid } from './principal';

/** `iss` of every dev token; the entra mode never accepts it. */
export const DEV_ISSUER = 'riskloop-dev';

/**
 * The dev key's algorithm. ES256 rather than Entra's RS256: the key is generated on first
 * use and P-256 generation is instant, and a dev token can never pass for an Entra one.
 */
export const DEV_ALGORITHM = 'ES256';

/** The client application id dev tokens carry when none is given (a fixed "riskloop dev CLI"). */
export const DEV_APP_ID = 'd0e7c11e-0000-4000-8000-000000000001';

/** The dev signing key, loaded. Never log it. */
export interface DevSigningKey {
  /** RFC 7638 thumbprint of the public key; the `kid` of the tokens it signs. */
  readonly kid: string;
  readonly privateKey: KeyLike;
  readonly publicKey: KeyLike;
}

const privateJwkSchema = z.object({
  kty: z.literal('EC'),
  crv: z.literal('P-256'),
  x: z.string().min(1),
  y: z.string().min(1),
  d: z.string().min(1),
});

async function loadKey(file: string): Promise<DevSigningKey> {
  const text = await readFile(file, 'utf8');
  let parsed: z.infer<typeof privateJwkSchema>;
  try {
    parsed = privateJwkSchema.parse(JSON.parse(text));
  } catch {
    // No details: they could quote key material.
    throw new Error(
      `Dev signing key file ${file} is not a P-256 private JWK; delete it to generate a new one`,
    );
  }
  const publicJwk = { kty: parsed.kty, crv: parsed.crv, x: parsed.x, y: parsed.y };
  const [privateKey, publicKey, kid] = await Promise.all([
    importJWK(parsed, DEV_ALGORITHM),
    importJWK(publicJwk, DEV_ALGORITHM),
    calculateJwkThumbprint(publicJwk),
  ]);
  // importJWK returns Uint8Array only for symmetric ("oct") keys, which the schema rules out.
  return { kid, privateKey: privateKey as KeyLike, publicKey: publicKey as KeyLike };
}

function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}

/**
 * Loads the dev signing key from `file` (a private JWK), generating it on first use: parent
 * folder created 0700, file 0600. Safe when `npm start` and `npm run token` race to create it:
 * the key is published with an atomic no-clobber link, so both end up with the same key.
 */
export async function ensureDevSigningKey(file: string): Promise<DevSigningKey> {
  const target = path.resolve(file);
  try {
    return await loadKey(target);
  } catch (error) {
    if (!isErrno(error, 'ENOENT')) throw error;
  }

  await mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
  const { privateKey } = await generateKeyPair(DEV_ALGORITHM, { extractable: true });
  const { kty, crv, x, y, d } = await exportJWK(privateKey);
  const json = `${JSON.stringify({ kty, crv, x, y, d, alg: DEV_ALGORITHM, use: 'sig' }, null, 2)}\n`;

  // Written whole to a private temp file first, so no reader ever sees a half-written key.
  const temp = `${target}.${process.pid}.${randomUUID()}.tmp`;
  await writeFile(temp, json, { mode: 0o600, flag: 'wx' });
  try {
    await link(temp, target);
  } catch (error) {
    if (isErrno(error, 'EEXIST')) {
      // Another process published its key first; use that one.
    } else if (isErrno(error, 'EPERM') || isErrno(error, 'ENOTSUP') || isErrno(error, 'ENOSYS')) {
      // File systems without hard links: exclusive create still never clobbers.
      await writeFile(target, json, { mode: 0o600, flag: 'wx' }).catch((e: unknown) => {
        if (!isErrno(e, 'EEXIST')) throw e;
      });
    } else {
      throw error;
    }
  } finally {
    await unlink(temp).catch(() => undefined);
  }
  return loadKey(target);
}

export interface MintDevTokenOptions {
  /** Path of the dev signing key (created if missing). */
  keyFile: string;
  /** The `aud` claim; must be one of the audiences the authenticator accepts. */
  audience: string;
  tenantId: string;
  /** The user (`oid`); given, the token is delegated. */
  objectId?: string;
  /** Directory role template ids. */
  wids?: readonly string[];
  /** App roles. Given without `objectId`, the token is app-only. */
  roles?: readonly string[];
  /** Lifetime in minutes; default 60. */
  minutes?: number;
  /** The client application id (`azp`/`appid`); default {@link DEV_APP_ID}. */
  appId?: string;
  /** Issue time; default now. Lets tests mint expired or not-yet-valid tokens. */
  now?: Date;
}

/**
 * Mints a token the dev-mode authenticator accepts, shaped like an Entra v2 access token:
 * delegated (`scp`, `oid`, `idtyp: "user"`) unless `roles` are given without `objectId`, in
 * which case app-only (`idtyp: "app"`, `azp`/`appid`, `roles`, no `scp`).
 *
 * @throws Error when an id is not a GUID, or when neither a user nor app roles are given.
 */
export async function mintDevToken(options: MintDevTokenOptions): Promise<string> {
  const { tenantId, objectId, wids = [], roles = [], minutes = 60, appId = DEV_APP_ID } = options;
  for (const [name, value] of [
    ['tenantId', tenantId],
    ['objectId', objectId],
    ['appId', appId],
  ] as const) {
    if (value !== undefined && !isGuid(value)) throw new Error(`${name} must be a GUID`);
  }
  const badWid = wids.find((w) => !isGuid(w));
  if (badWid !== undefined) throw new Error(`wids must be GUIDs (got "${badWid}")`);
  if (!Number.isFinite(minutes) || minutes <= 0) throw new Error('minutes must be a positive number');

  const appOnly = objectId === undefined;
  if (appOnly && roles.length === 0) {
    throw new Error('A delegated token needs a user objectId; an app-only token needs at least one app role');
  }

  const key = await ensureDevSigningKey(options.keyFile);
  const issuedAt = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const claims: Record<string, unknown> = {
    tid: tenantId.toLowerCase(),
    azp: appId,
    ver: '2.0',
    ...(objectId !== undefined && { oid: objectId.toLowerCase() }),
    ...(wids.length > 0 && { wids: wids.map((w) => w.toLowerCase()) }),
    ...(roles.length > 0 && { roles: [...roles] }),
    ...(appOnly ? { idtyp: 'app', appid: appId } : { idtyp: 'user', scp: 'user_impersonation' }),
  };
  return new SignJWT(claims)
    .setProtectedHeader({ alg: DEV_ALGORITHM, kid: key.kid, typ: 'JWT' })
    .setIssuer(DEV_ISSUER)
    .setAudience(options.audience)
    .setSubject(objectId?.toLowerCase() ?? appId)
    .setJti(randomUUID())
    .setIssuedAt(issuedAt)
    .setNotBefore(issuedAt)
    .setExpirationTime(issuedAt + Math.round(minutes * 60))
    .sign(key.privateKey);
}
