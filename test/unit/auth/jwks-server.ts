import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { exportJWK, generateKeyPair, SignJWT, type JWTPayload, type KeyLike } from 'jose';

/** An RS256 key pair as a tenant of Entra would publish it. */
export interface TestKey {
  kid: string;
  privateKey: KeyLike;
  publicJwk: Record<string, unknown>;
}

export async function rsaKey(kid: string): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, use: 'sig', alg: 'RS256' } };
}

/**
 * A stand-in for `{authority}/{tid}/discovery/v2.0/keys` on 127.0.0.1: serves whatever keys
 * a test publishes per tenant and records each request, so tests can assert on refetches
 * and on tenants that must never cause a fetch.
 */
export interface JwksServer {
  readonly authorityHost: string;
  publish(tenantId: string, keys: TestKey[]): void;
  /** Answer every request for the tenant with this status instead (e.g. 500). */
  fail(tenantId: string, status: number): void;
  hits(tenantId?: string): number;
  close(): Promise<void>;
}

export async function startJwksServer(): Promise<JwksServer> {
  const published = new Map<string, TestKey[]>();
  const failing = new Map<string, number>();
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const tenantId = /^\/([^/]+)\/discovery\/v2\.0\/keys$/.exec(req.url ?? '')?.[1];
    requests.push(tenantId ?? req.url ?? '');
    const keys = tenantId === undefined ? undefined : published.get(tenantId);
    const status = (tenantId !== undefined && failing.get(tenantId)) || (keys ? 200 : 404);
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(status === 200 && keys ? JSON.stringify({ keys: keys.map((k) => k.publicJwk) }) : '{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    authorityHost: `http://127.0.0.1:${port}`,
    publish: (tenantId, keys) => {
      published.set(tenantId, keys);
      failing.delete(tenantId);
    },
    fail: (tenantId, status) => failing.set(tenantId, status),
    hits: (tenantId) =>
      tenantId === undefined ? requests.length : requests.filter((t) => t === tenantId).length,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** Signs an Entra-shaped access token (RS256, kid in the header). */
export function entraToken(key: TestKey, claims: JWTPayload, lifetime = '1h'): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' })
    .setIssuedAt()
    .setNotBefore('0s')
    .setExpirationTime(lifetime)
    .sign(key.privateKey);
}
