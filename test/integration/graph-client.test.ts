import {
  Client,
  HTTPMessageHandler,
  PageIterator,
  type Context,
  type Middleware,
} from '@microsoft/microsoft-graph-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startService, type TestService } from '../helpers/service';
import { SA, tenantId, tenantSeed, userId } from '../helpers/tenants';

/**
 * Compatibility: Microsoft's own Graph client (not written by us) pointed at riskloop.
 * On plain http (the local host) two of its https assumptions need a custom middleware:
 * its default auth step drops the header, and it only recognises an absolute
 * `@odata.nextLink` that starts with https:// (any other it appends to the base URL).
 * In Azure, behind HTTPS, neither applies.
 */
let service: TestService;
let client: Client;
const N = 21;
const T = tenantId(N);

class BearerMiddleware implements Middleware {
  private next: Middleware | undefined;
  constructor(private readonly token: string) {}
  async execute(context: Context): Promise<void> {
    if (typeof context.request === 'string') {
      const embedded = context.request.lastIndexOf('http://');
      if (embedded > 0) context.request = context.request.slice(embedded);
    }
    const headers = {
      ...(context.options?.headers as Record<string, string> | undefined),
      Authorization: `Bearer ${this.token}`,
    };
    context.options = { ...context.options, headers };
    await this.next!.execute(context);
  }
  setNext(next: Middleware): void {
    this.next = next;
  }
}

beforeAll(async () => {
  service = await startService();
  await service.seed(tenantSeed(N, 'p2', 12));
  const ingester = await service.token({ tenantId: T, roles: ['IdentityRiskEvent.ReadWrite.All'] });
  const value = Array.from({ length: 10 }, (_, i) => ({
    id: `gc-${i}`,
    userId: userId(N, i + 2),
    riskEventType: 'leakedCredentials',
    riskLevel: i % 2 === 0 ? 'high' : 'low',
    detectionTimingType: 'offline',
    activity: 'user',
    activityDateTime: '2026-11-20T05:00:00Z',
    detectedDateTime: '2026-11-20T05:00:00Z',
  }));
  expect((await service.call(ingester, 'POST', '/riskloop/riskDetections', { value })).status).toBe(202);
  const admin = await service.token({ tenantId: T, objectId: userId(N, 1), wids: [SA] });
  await eventually(async () => {
    const res = await service.call(admin, 'GET', '/identityProtection/riskyUsers?$top=500');
    const body = (await res.json()) as { value: unknown[] };
    return body.value.length === 10 ? true : undefined;
  });
  const auth = new BearerMiddleware(admin);
  auth.setNext(new HTTPMessageHandler());
  const host = new URL(service.url).host;
  client = Client.initWithMiddleware({
    middleware: auth,
    baseUrl: `${service.url}/`,
    customHosts: new Set([host]),
  });
});
afterAll(async () => {
  await service?.stop();
});

interface RiskyUser {
  id: string;
  riskLevel: string;
  riskState: string;
  isProcessing: boolean;
}

describe('@microsoft/microsoft-graph-client against riskloop', () => {
  it('lists with $filter and pages through @odata.nextLink with PageIterator', async () => {
    const first = (await client
      .api('/identityProtection/riskyUsers')
      .filter("riskLevel eq 'high'")
      .top(2)
      .get()) as {
      value: RiskyUser[];
    };
    const seen: RiskyUser[] = [];
    const iterator = new PageIterator(client, first, (user: RiskyUser) => {
      seen.push(user);
      return true;
    });
    await iterator.iterate();
    expect(seen).toHaveLength(5);
    expect(seen.every((u) => u.riskLevel === 'high')).toBe(true);
    expect(new Set(seen.map((u) => u.id)).size).toBe(5);
  });

  it('dismiss and confirmCompromised', async () => {
    const a = userId(N, 3);
    const b = userId(N, 4);
    await client.api('/identityProtection/riskyUsers/dismiss').post({ userIds: [a] });
    await client.api('/identityProtection/riskyUsers/confirmCompromised').post({ userIds: [b] });
    const state = async (id: string): Promise<RiskyUser | undefined> => {
      const user = (await client.api(`/identityProtection/riskyUsers/${id}`).get()) as RiskyUser;
      return user.isProcessing ? undefined : user;
    };
    expect(
      await eventually(async () => ((await state(a))?.riskState === 'dismissed' ? state(a) : undefined)),
    ).toMatchObject({ riskLevel: 'none' });
    expect(
      await eventually(async () =>
        (await state(b))?.riskState === 'confirmedCompromised' ? state(b) : undefined,
      ),
    ).toMatchObject({
      riskLevel: 'high',
    });
  });

  it('SPEC §7: $select is honoured on one entity too, with its @odata.context', async () => {
    const user = (await client
      .api(`/identityProtection/riskyUsers/${userId(N, 2)}`)
      .select(['id', 'riskLevel'])
      .get()) as Record<string, unknown>;
    expect(user).toEqual({
      '@odata.context': `${service.url}/v1.0/$metadata#identityProtection/riskyUsers(id,riskLevel)/$entity`,
      id: userId(N, 2),
      riskLevel: 'high',
    });
    const detection = (await client
      .api('/identityProtection/riskDetections/gc-0')
      .select('riskEventType,userPrincipalName')
      .get()) as Record<string, unknown>;
    expect(detection).toEqual({
      '@odata.context': `${service.url}/v1.0/$metadata#identityProtection/riskDetections(riskEventType,userPrincipalName)/$entity`,
      riskEventType: 'leakedCredentials',
      userPrincipalName: `user2@t${N}.example`,
    });
    const whole = (await client.api(`/identityProtection/riskyUsers/${userId(N, 2)}`).get()) as Record<
      string,
      unknown
    >;
    expect(whole['@odata.context']).toBe(
      `${service.url}/v1.0/$metadata#identityProtection/riskyUsers/$entity`,
    );
    expect(whole).toMatchObject({
      id: userId(N, 2),
      riskState: 'atRisk',
      userPrincipalName: `user2@t${N}.example`,
    });
    await expect(
      client
        .api(`/identityProtection/riskyUsers/${userId(N, 2)}`)
        .select('riskScore')
        .get(),
    ).rejects.toMatchObject({ statusCode: 400, code: 'BadRequest' });
  });

  it("takes Graph's $top of up to 1,000 on sign-ins", async () => {
    const page = (await client.api('/auditLogs/signIns').top(1000).get()) as { value: unknown[] };
    expect(page.value).toEqual([]);
  });

  it('surfaces riskloop errors as GraphError with the Graph code', async () => {
    await expect(
      client.api('/identityProtection/riskyUsers/dismiss').post({ userIds: ['not-a-guid'] }),
    ).rejects.toMatchObject({
      statusCode: 400,
      code: 'BadRequest',
    });
  });
});
