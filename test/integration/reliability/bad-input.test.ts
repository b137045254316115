import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { queryLimits, signInsQuery } from '../../../shared/query';
import { startService, type TestService } from '../../helpers/service';
import { GA, SA, tenantId, tenantSeed, userId } from '../../helpers/tenants';
import {
  expectGraphError,
  routeName,
  routes,
  send,
  snapshotStorage,
  storageDiff,
  waitUntilQueuesEmpty,
  type RouteSpec,
  type StorageSnapshot,
} from './support';

// Shared hosts on a busy 2-core machine: waits are bounded by eventually(), not by vitest's default.
vi.setConfig({ testTimeout: 300_000, hookTimeout: 300_000 });

/**
 * R-X1 at every route: malformed JSON, wrong types, unknown enum members, huge strings,
 * deep nesting, too many ids, bad OData and path traversal in ids. Every answer is a 4xx
 * in Graph's error shape — never a 500, never a hang — and storage (every entity of the
 * table, every queue's message count) is exactly as it was before.
 */

const A = 61;
const B = 62;
let service: TestService;
let tokenA: string; // Global Administrator of A: allowed everything delegated
let ingestA: string; // app-only IdentityRiskEvent.ReadWrite.All of A
let before: StorageSnapshot;
/** Ids of tenant B's rows, which no answer to A may ever contain. */
const tenantBMarkers = [tenantId(B), userId(B, 3), 'b-det-1', 'b-signin-1'];
let triedCases = 0;

const at = '2026-11-20T05:00:00Z';

beforeAll(async () => {
  service = await startService();
  for (const n of [A, B]) {
    const seed = tenantSeed(n, 'p2', 5);
    const prefix = n === A ? 'a' : 'b';
    seed.signIns = [
      {
        id: `${prefix}-signin-1`,
        userId: userId(n, 3),
        userPrincipalName: `user3@t${n}.example`,
        createdDateTime: at,
        riskDetections: [{ riskEventType: 'anonymizedIPAddress', riskLevel: 'medium' }],
      },
    ];
    seed.riskDetections = [3, 4].map((user) => ({
      id: `${prefix}-det-${user - 2}`,
      userId: userId(n, user),
      riskEventType: 'leakedCredentials',
      riskLevel: 'high',
      detectionTimingType: 'offline',
      activity: 'user',
      activityDateTime: at,
      detectedDateTime: at,
    }));
    await service.seed(seed);
  }
  tokenA = await service.token({ tenantId: tenantId(A), objectId: userId(A, 1), wids: [GA, SA] });
  ingestA = await service.token({
    tenantId: tenantId(A),
    roles: ['IdentityRiskEvent.ReadWrite.All', 'IdentityRiskyUser.ReadWrite.All'],
  });
  await waitUntilQueuesEmpty(service);
  before = await snapshotStorage(service.azurite.connectionString);
});

afterAll(async () => {
  console.log(`[bad-input] ${triedCases} requests tried`);
  await service?.stop();
});

function tokenFor(route: RouteSpec): string | undefined {
  if (route.operation === 'anonymous') return undefined;
  return route.operation === 'ingest' ? ingestA : tokenA;
}

/** Sends one bad request; asserts a 4xx in Graph's shape that leaks nothing of tenant B. */
async function expectRejected(
  route: RouteSpec,
  pathAndQuery: string,
  body?: string,
  headers?: Record<string, string>,
  allowed: readonly number[] = [400],
): Promise<void> {
  triedCases += 1;
  const res = await send(service, tokenFor(route), route.method, pathAndQuery, body, headers);
  const context = `${route.method} ${pathAndQuery.slice(0, 300)} ${body?.slice(0, 300) ?? ''} → ${res.status} ${res.text.slice(0, 300)}`;
  expect(allowed, context).toContain(res.status);
  expectGraphError(res.json, context);
  for (const marker of tenantBMarkers) expect(res.text, context).not.toContain(marker);
}

// ---------------------------------------------------------------- bad values

/** Ids that are not GUIDs. */
const notGuid = fc.oneof(
  fc.constantFrom(
    '',
    '../../etc/passwd',
    '..',
    '..\\..\\windows',
    '00000000-0000-0000-0000-00000000000g',
    '{00000000-0000-4000-8000-000000000001}',
    '000000000000400080000000000000aa',
    "x' or PartitionKey ne '",
    'u|x',
    '\u0000',
    'a'.repeat(10_000),
  ),
  fc.uuid().map((u) => `${u}/..`),
  fc.uuid().map((u) => ` ${u}`),
  fc
    .string({ maxLength: 60 })
    .filter((s) => !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s)),
);

/** Strings that are not valid external ids (detection and request ids): forbidden characters or length. */
const notExternalId = fc.oneof(
  fc.constantFrom(
    '',
    '../x',
    '..\\x',
    'a/b',
    'a#b',
    'a?b',
    'a%2Fb',
    'i|d|x',
    '.',
    '..',
    '...',
    "x' or RowKey ne '",
    '\u0000',
    'ü',
    ' a',
    'a'.repeat(129),
    'a'.repeat(70_000),
  ),
  fc.string({ minLength: 1, maxLength: 40 }).filter((s) => !/^[A-Za-z0-9._:-]{1,128}$/.test(s)),
);

/** Any JSON value that is not a string. */
const notString = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
);

const notArray = fc.oneof(
  notString.filter((v) => !Array.isArray(v)),
  fc.string({ maxLength: 20 }),
);

/** A string that is none of `members` (case matters: Graph's enum members are case-sensitive here). */
const notMember = (members: readonly string[]) =>
  fc
    .oneof(
      fc.constantFrom(
        '',
        'none',
        'hidden',
        'unknownFutureValue',
        'HIGH',
        'High',
        ' high',
        'high ',
        'x'.repeat(5000),
      ),
      fc.string({ maxLength: 30 }),
    )
    .filter((s) => !members.includes(s));

const notDateTime = fc.oneof(
  fc.constantFrom(
    '',
    'yesterday',
    '2026-11-20',
    '2026-11-20T05:00:00',
    '2026-13-01T00:00:00Z',
    '2026-02-30T00:00:00Z',
    '2026-11-20T25:00:00Z',
    '20261120T050000Z',
    '2026-11-20T05:00:00+25:00',
    '9'.repeat(5000),
    '2099-01-01T00:00:00Z', // in the future
    '9999-12-31T23:59:59-14:00', // the year 10000 in UTC
  ),
  fc.integer(),
  fc.constant(null),
);

const huge = fc.constantFrom(8_001, 20_000, 70_000, 300_000).map((n) => 'x'.repeat(n));

/** JSON nested `depth` levels deep, as arrays or objects. */
function nested(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array'
    ? `${'['.repeat(depth)}${']'.repeat(depth)}`
    : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}
const deepJson = fc.tuple(
  fc.constantFrom(100, 5_000, 200_000),
  fc.constantFrom('array' as const, 'object' as const),
);

// ---------------------------------------------------------------- bodies

const unknownUser = '0000aaaa-1111-4222-8333-000000000999';

type Body = Record<string, unknown>;
/** A valid body for the route, and mutations each of which makes it invalid. */
interface BodyModel {
  valid: () => Body;
  mutations: Array<fc.Arbitrary<Body>>;
}

const set = (body: Body, path: ReadonlyArray<string | number>, value: unknown): Body => {
  const copy = structuredClone(body);
  let node: Record<string | number, unknown> = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[path.at(-1)!] = value;
  return copy;
};
const drop = (body: Body, path: ReadonlyArray<string | number>): Body => {
  const copy = structuredClone(body);
  let node: Record<string | number, unknown> = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  delete node[path.at(-1)!];
  return copy;
};

function idsModel(field: 'userIds' | 'requestIds'): BodyModel {
  const valid = (): Body => ({ [field]: [field === 'userIds' ? unknownUser : 'no-such-sign-in'] });
  const badId = field === 'userIds' ? notGuid : notExternalId;
  return {
    valid,
    mutations: [
      notArray.map((v) => ({ [field]: v })),
      fc.constant({ [field]: [] }),
      fc
        .integer({ min: 61, max: 500 })
        .map((n) => ({ [field]: Array.from({ length: n }, () => unknownUser) })),
      fc.tuple(badId, fc.nat(5)).map(([id, i]) => ({ [field]: [...Array<string>(i).fill(unknownUser), id] })),
      notString.map((v) => ({ [field]: [v] })),
      fc.constant({ [field === 'userIds' ? 'requestIds' : 'userIds']: [unknownUser] }),
      fc
        .string({ minLength: 1, maxLength: 10 })
        .filter((k) => k !== field)
        .map((k) => ({ ...valid(), [k]: 1 })),
    ],
  };
}

const detection = (): Body => ({
  id: 'fuzz-det',
  userId: unknownUser,
  riskEventType: 'leakedCredentials',
  riskLevel: 'high',
  detectionTimingType: 'offline',
  activity: 'user',
  activityDateTime: at,
  detectedDateTime: at,
});
const signIn = (): Body => ({
  id: 'fuzz-signin',
  userId: unknownUser,
  userPrincipalName: 'fuzz@t.example',
  createdDateTime: at,
  riskDetections: [{ riskEventType: 'anonymizedIPAddress', riskLevel: 'high' }],
});
const remediation = (): Body => ({ userId: unknownUser, kind: 'adminPasswordReset', occurredDateTime: at });

/** Mutations of item `value[0]` (and of the `value` array) of an ingestion body. */
function batchModel(item: () => Body, max: number, itemMutations: Array<fc.Arbitrary<Body>>): BodyModel {
  const valid = (): Body => ({ value: [item()] });
  return {
    valid,
    mutations: [
      notArray.map((v) => ({ value: v })),
      fc.constant({ value: [] }),
      fc.constant({ value: Array.from({ length: max + 1 }, item) }),
      fc.constant({}),
      notString.map((v) => ({ value: [v] })),
      fc
        .string({ minLength: 1, maxLength: 10 })
        .filter((k) => k !== 'value')
        .map((k) => ({ ...valid(), [k]: [] })),
      // A bad item after good ones: nothing of the call is stored.
      fc.tuple(fc.oneof(...itemMutations), fc.integer({ min: 1, max: 5 })).map(([bad, good]) => ({
        value: [...Array.from({ length: good }, (_, i) => ({ ...item(), id: `fuzz-good-${i}` })), bad],
      })),
      ...itemMutations.map((m) => m.map((bad) => ({ value: [bad] }))),
    ],
  };
}

const detectionMutations: Array<fc.Arbitrary<Body>> = [
  // Reserved for the real-time detections riskloop makes from sign-ins (`{sign-in id}:rt{n}`).
  fc.nat(19).map((n) => set(detection(), ['id'], `b-signin-2:rt${n}`)),
  notExternalId.map((v) => set(detection(), ['id'], v)),
  notGuid.map((v) => set(detection(), ['userId'], v)),
  notMember([])
    .filter((s) => s !== 'leakedCredentials')
    .map((v) => set(detection(), ['riskEventType'], `zz${v}`)),
  fc.constant(set(detection(), ['riskEventType'], 'adminConfirmedUserCompromised')),
  notMember(['low', 'medium', 'high']).map((v) => set(detection(), ['riskLevel'], v)),
  notMember(['realtime', 'offline']).map((v) => set(detection(), ['detectionTimingType'], v)),
  fc.constant(set(detection(), ['detectionTimingType'], 'realtime')), // leakedCredentials is offline only
  fc.constant(set(detection(), ['activity'], 'signin')), // a sign-in detection needs a requestId
  fc.constant(set(detection(), ['requestId'], 'some-sign-in')), // a user detection has none
  notMember(['signin', 'user']).map((v) => set(detection(), ['activity'], v)),
  notDateTime.map((v) => set(detection(), ['activityDateTime'], v)),
  notDateTime.map((v) => set(detection(), ['detectedDateTime'], v)),
  huge.map((v) => set(detection(), ['additionalInfo'], v)),
  huge.map((v) => set(detection(), ['ipAddress'], v)),
  notString.map((v) => set(detection(), ['source'], v)),
  fc
    .constantFrom('id', 'userId', 'riskEventType', 'riskLevel', 'activityDateTime')
    .map((k) => drop(detection(), [k])),
  deepJson.map(([d]) =>
    set(detection(), ['location'], JSON.parse(nested(Math.min(d, 100), 'object')) as unknown),
  ),
  fc.constant(set(detection(), ['location'], { city: 'Oslo', planet: 'Earth' })),
];

const signInMutations: Array<fc.Arbitrary<Body>> = [
  notExternalId.map((v) => set(signIn(), ['id'], v)),
  notGuid.map((v) => set(signIn(), ['userId'], v)),
  notString.map((v) => set(signIn(), ['userPrincipalName'], v)),
  fc.constant(set(signIn(), ['userPrincipalName'], '')),
  huge.map((v) => set(signIn(), ['userPrincipalName'], v)),
  huge.map((v) => set(signIn(), ['userDisplayName'], v)),
  notDateTime.map((v) => set(signIn(), ['createdDateTime'], v)),
  notMember([]).map((v) => set(signIn(), ['riskDetections', 0, 'riskEventType'], `zz${v}`)),
  fc.constant(set(signIn(), ['riskDetections', 0, 'riskEventType'], 'unlikelyTravel')), // offline only
  notMember(['low', 'medium', 'high']).map((v) => set(signIn(), ['riskDetections', 0, 'riskLevel'], v)),
  fc.integer({ min: 21, max: 200 }).map((n) =>
    set(
      signIn(),
      ['riskDetections'],
      Array.from({ length: n }, () => ({ riskEventType: 'generic', riskLevel: 'low' })),
    ),
  ),
  notArray.map((v) => set(signIn(), ['riskDetections'], v)),
  fc.constant(set(signIn(), ['status'], { errorCode: 'fifty' })),
  fc.constant(set(signIn(), ['status'], { errorCode: 1.5 })),
  notString
    .map((v) => set(signIn(), ['location'], v))
    .filter((b) => typeof b.location !== 'object' || b.location === null || Array.isArray(b.location)),
];

const remediationMutations: Array<fc.Arbitrary<Body>> = [
  notGuid.map((v) => set(remediation(), ['userId'], v)),
  notMember(['adminPasswordReset', 'selfServicePasswordReset', 'securePasswordChange', 'mfaPassed']).map(
    (v) => set(remediation(), ['kind'], v),
  ),
  fc.constant(set(remediation(), ['kind'], 'passwordChange')),
  fc.constant(set(remediation(), ['kind'], 'mfaPassed')), // without requestId
  fc.constant(set(remediation(), ['requestId'], 'r-1')), // adminPasswordReset names no sign-in
  notExternalId.map((v) => set(set(remediation(), ['kind'], 'mfaPassed'), ['requestId'], v)),
  notDateTime.map((v) => set(remediation(), ['occurredDateTime'], v)),
];

const email = fc.oneof(
  fc.constantFrom(
    '',
    'not-an-email',
    '@example.com',
    'a@',
    'a@b',
    'a b@example.com',
    `${'a'.repeat(300)}@example.com`,
  ),
  fc.string({ maxLength: 30 }).filter((s) => !s.includes('@')),
  fc.constant(`${'a'.repeat(100_000)}`),
);

/** PATCH bodies: every one of these must be refused (a valid PATCH would write). */
const alertSettingsModel: BodyModel = {
  valid: () => ({ minRiskLevel: 'high' }),
  mutations: [
    notMember(['low', 'medium', 'high']).map((v) => ({ minRiskLevel: v })),
    notString.map((v) => ({ minRiskLevel: v })),
    notArray.map((v) => ({ disabledRecipientIds: v })),
    notGuid.map((v) => ({ disabledRecipientIds: [v] })),
    fc.constant({ disabledRecipientIds: Array.from({ length: 501 }, () => unknownUser) }),
    notArray.map((v) => ({ customRecipients: v })),
    email.map((v) => ({ customRecipients: [v] })),
    fc.constant({ customRecipients: Array.from({ length: 51 }, (_, i) => `a${i}@example.com`) }),
    fc
      .string({ minLength: 1, maxLength: 12 })
      .filter((k) => !['minRiskLevel', 'disabledRecipientIds', 'customRecipients'].includes(k))
      .map((k) => ({ minRiskLevel: 'high', [k]: true })),
  ],
};

const digestSettingsModel: BodyModel = {
  valid: () => ({ enabled: true }),
  mutations: [
    fc.oneof(fc.constantFrom('true', 'false', 0, 1, null, 'yes'), fc.string()).map((v) => ({ enabled: v })),
    notArray.filter((v) => v !== null).map((v) => ({ recipientIds: v })),
    notGuid.map((v) => ({ recipientIds: [v] })),
    fc.constant({ recipientIds: Array.from({ length: 501 }, () => unknownUser) }),
    email.map((v) => ({ customRecipients: [v] })),
    fc
      .string({ minLength: 1, maxLength: 12 })
      .filter((k) => !['enabled', 'recipientIds', 'customRecipients'].includes(k))
      .map((k) => ({ enabled: true, [k]: true })),
  ],
};

const bodyModels: Record<NonNullable<RouteSpec['body']>, BodyModel> = {
  userIds: idsModel('userIds'),
  requestIds: idsModel('requestIds'),
  riskDetections: batchModel(detection, 1000, detectionMutations),
  signIns: batchModel(signIn, 500, signInMutations),
  remediations: batchModel(remediation, 1000, remediationMutations),
  alertSettings: alertSettingsModel,
  digestSettings: digestSettingsModel,
};

/** Body texts that are not the JSON the route wants, whatever the route. */
const badText = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '{',
    '{"value":',
    '[',
    'null',
    'true',
    '0',
    '"x"',
    '{"a":1,}',
    "{'a':1}",
    'NaN',
    '\u0000',
    // A byte order mark is skipped (clients send one), so what follows it must be bad.
    '\uFEFF{',
  ),
  fc.string({ maxLength: 200 }).filter((s) => {
    try {
      const v: unknown = JSON.parse(s);
      return typeof v !== 'object' || v === null || Array.isArray(v);
    } catch {
      return true;
    }
  }),
  fc
    .jsonValue({ maxDepth: 3 })
    .filter((v) => typeof v !== 'object' || v === null || Array.isArray(v))
    .map((v) => JSON.stringify(v)),
  deepJson.map(([depth, kind]) => nested(depth, kind)),
  // Valid JSON of the right shape, truncated.
  fc.nat(60).map((n) => JSON.stringify({ value: [detection()] }).slice(0, n)),
);

const bodyRoutes = routes.filter((r) => r.body !== undefined);

describe('bad bodies at every POST/PATCH route (R-X1)', () => {
  it.each(bodyRoutes.map((r) => [routeName(r), r] as const))('%s', async (_name, route) => {
    const model = bodyModels[route.body!];
    // Structured mutations of a valid body: each one is invalid in exactly one place.
    await fc.assert(
      fc.asyncProperty(fc.oneof(...model.mutations), async (body) => {
        await expectRejected(route, route.path, JSON.stringify(body));
      }),
      { numRuns: 60 },
    );
    // Text that is not a JSON object at all.
    await fc.assert(
      fc.asyncProperty(badText, async (text) => {
        await expectRejected(route, route.path, text);
      }),
      { numRuns: 25 },
    );
    // The valid body under a wrong or missing content type.
    for (const contentType of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data',
      '',
    ]) {
      await expectRejected(route, route.path, JSON.stringify(model.valid()), { 'content-type': contentType });
    }
    // Larger than the service accepts (4 MiB).
    await expectRejected(
      route,
      route.path,
      JSON.stringify({ value: [], pad: 'x'.repeat(4 * 1024 * 1024 + 10) }),
    );
  });
});

// ---------------------------------------------------------------- query options

const filterProperties: Record<string, { props: string[]; enumProp: string }> = {
  '/identityProtection/riskyUsers': {
    props: ['riskLevel', 'riskState', 'userPrincipalName'],
    enumProp: 'riskLevel',
  },
  '/identityProtection/riskDetections': {
    props: ['riskLevel', 'userId', 'riskEventType'],
    enumProp: 'riskLevel',
  },
  '/auditLogs/signIns': { props: ['riskState', 'userId', 'riskLevelAggregated'], enumProp: 'riskState' },
  '/riskloop/notifications': { props: ['type', 'outcome', 'dateTime'], enumProp: 'outcome' },
  '/identityProtection/riskyUsers/{id}/history': { props: [], enumProp: 'riskLevel' },
};

/** `$filter` values that must be refused. */
function badFilters(path: string): fc.Arbitrary<string> {
  const { enumProp } = filterProperties[path]!;
  return fc.oneof(
    fc.constantFrom(
      '',
      ' ',
      'PartitionKey ne null',
      "PartitionKey ne ''",
      "RowKey ge ''",
      "rowType eq 'user'",
      `${enumProp} eq`,
      `${enumProp} eq 'high`,
      `${enumProp} eq 'high' or`,
      `${enumProp} eq 'high') or (PartitionKey ne ''`,
      `${enumProp} eq 'high' or true`,
      `${enumProp} eq 'extreme'`,
      `${enumProp} eq microsoft.graph.nope'high'`,
      `${enumProp} eq 1`,
      `${enumProp} eq null`,
      `${enumProp} like 'h%'`,
      `not ${enumProp} eq 'high'`,
      `${enumProp} in ('high','low')`,
      `startswith(${enumProp}, 'h')`,
      `contains(userPrincipalName, 'a')`,
      `any(x: x eq 1)`,
      `${enumProp}/x eq 'high'`,
      `${enumProp} eq 'high' and`,
      `(${enumProp} eq 'high'`,
      `${enumProp} eq 'high')`,
      `${enumProp} eq 'high'; DROP TABLE riskloop`,
      `${enumProp} eq 'high'&$top=1`,
      `${'('.repeat(11)}${enumProp} eq 'high'${')'.repeat(11)}`,
      Array.from({ length: 16 }, () => `${enumProp} eq 'high'`).join(' or '),
      `${enumProp} eq '${'x'.repeat(2100)}'`,
      'isProcessing eq 1',
      'riskLastUpdatedDateTime gt 2026-13-01T00:00:00Z',
      "riskLastUpdatedDateTime gt 'yesterday'",
      'createdDateTime gt 2026-11-20T05:00:00',
      'dateTime gt tomorrow',
      '\u0000',
    ),
    fc
      .string({ maxLength: 40 })
      .map((s) => `${enumProp} eq ${s}x`)
      .filter((s) => !/^[^']*'[^']*'[^']*$/.test(s)),
    fc.string({ minLength: 1, maxLength: 20 }).map((s) => `zz${s.replace(/\s/g, '')} eq 'high'`),
  );
}

/** A real nextLink's `$skiptoken` for tenant A, taken once, so tampering starts from a genuine token. */
async function realSkipToken(path: string, token: string): Promise<string> {
  const res = await send(service, token, 'GET', `${path}?$top=1`);
  expect(res.status).toBe(200);
  const next = (res.json as { '@odata.nextLink'?: string })['@odata.nextLink'];
  expect(next, `${path} should have a second page`).toBeDefined();
  return new URL(next!).searchParams.get('$skiptoken')!;
}

function tamperings(genuine: string): fc.Arbitrary<string> {
  const payload = JSON.parse(Buffer.from(genuine, 'base64url').toString('utf8')) as Record<string, unknown>;
  const encode = (value: unknown): string => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
  const c = (payload.c ?? {}) as Record<string, unknown>;
  return fc.oneof(
    fc.constantFrom(
      '',
      'x',
      '====',
      genuine.slice(0, -2),
      `${genuine}x`,
      `${genuine}==`,
      genuine.replace(/./, (ch) => (ch === 'A' ? 'B' : 'A')),
      'a'.repeat(2049),
      encode({}),
      encode(null),
      encode([]),
      encode({ ...payload, v: 2 }),
      encode({ ...payload, t: tenantId(B) }),
      encode({ ...payload, t: tenantId(B), c: { ...c, p: tenantId(B) } }),
      encode({ ...payload, c: { ...c, p: tenantId(B) } }),
      encode({ ...payload, c: { ...c, p: Buffer.from(tenantId(B)).toString('base64') } }),
      encode({ ...payload, c: { ...c, p: `1!48!${Buffer.from(tenantId(B)).toString('base64')}` } }),
      encode({ ...payload, q: 'another-query' }),
      encode({ ...payload, c: undefined, o: 0 }),
      encode({ ...payload, c: undefined, o: -1 }),
      encode({ ...payload, c: undefined, o: 10_000_000 }),
      encode({ ...payload, c: { ...c, p: 'x'.repeat(2000) } }),
      encode({ ...payload, extra: 1 }),
      encode({ ...payload, t: 1 }),
    ),
    fc.base64String({ maxLength: 200 }),
    fc.string({ maxLength: 100 }),
    fc.jsonValue({ maxDepth: 2 }).map(encode),
  );
}

/** `$top` above a route's maximum: 1,000 on sign-ins (Graph's page size), 500 elsewhere (SPEC §7). */
const maxTopOf = (route: RouteSpec): number =>
  route.path === '/auditLogs/signIns' ? signInsQuery.top.max : queryLimits.maxTop;

const badTop = (max: number) =>
  fc.oneof(
    fc.constantFrom(
      '0',
      '-1',
      String(max + 1),
      '1000000',
      '1e2',
      '1.5',
      'abc',
      '',
      ' ',
      '0x10',
      '+5',
      '١٢',
      '9'.repeat(400),
    ),
    fc
      .string({ maxLength: 10 })
      .filter((s) => !/^\s*\d{1,6}\s*$/.test(s) || Number(s) < 1 || Number(s) > max),
  );
const badOrderBy = fc.constantFrom(
  '',
  'riskLevel',
  'riskLastUpdatedDateTime sideways',
  'riskLastUpdatedDateTime desc, riskLevel',
  'riskLastUpdatedDateTime desc desc',
  'PartitionKey',
  'id desc',
);
const badSelect = fc.oneof(
  fc.constantFrom('', ',', 'id,', 'nope', 'id,nope', 'riskLevel/x', 'PartitionKey', 'etag', '*,id'),
  fc.string({ minLength: 1, maxLength: 12 }).map((s) => `zz${s.replace(/[,\s]/g, '')}`),
);
const badOptionNames = fc.constantFrom(
  '$expand',
  '$search',
  '$count',
  '$skip',
  '$format',
  '$apply',
  '$compute',
  '$foo',
);

const listRoutes = routes.filter((r) => r.list === true);

function concrete(route: RouteSpec): string {
  return route.path.replace('{id}', userId(A, 3));
}

describe('bad OData query options at every list route (SPEC §7, R-X1, R-A1)', () => {
  it.each(listRoutes.map((r) => [routeName(r), r] as const))('%s', async (_name, route) => {
    const path = concrete(route);
    const q = (name: string, value: string): string => `${path}?${name}=${encodeURIComponent(value)}`;
    if (route.path !== '/identityProtection/riskyUsers/{id}/history') {
      await fc.assert(
        fc.asyncProperty(badFilters(route.path), async (filter) =>
          expectRejected(route, q('$filter', filter)),
        ),
        { numRuns: 50 },
      );
    } else {
      // History has no filterable property: any $filter is refused.
      await expectRejected(route, q('$filter', "riskLevel eq 'high'"));
    }
    await fc.assert(
      fc.asyncProperty(badTop(maxTopOf(route)), async (top) => expectRejected(route, q('$top', top))),
      { numRuns: 15 },
    );
    await fc.assert(
      fc.asyncProperty(badSelect, async (select) => expectRejected(route, q('$select', select))),
      { numRuns: 10 },
    );
    for (const orderBy of fc.sample(badOrderBy, 7)) await expectRejected(route, q('$orderby', orderBy));
    for (const name of fc.sample(badOptionNames, 8)) await expectRejected(route, q(name, '1'));
    await expectRejected(route, `${path}?$top=1&$top=2`);
    await expectRejected(route, `${path}?$top=1&$TOP=2`);
    await expectRejected(route, `${path}?%24top=%ZZ`, undefined, undefined, [400]);

    if (
      route.path === '/identityProtection/riskyUsers' ||
      route.path === '/identityProtection/riskDetections'
    ) {
      const genuine = await realSkipToken(path, tokenA);
      await fc.assert(
        fc.asyncProperty(tamperings(genuine), async (skip) =>
          expectRejected(route, `${path}?$top=1&$skiptoken=${encodeURIComponent(skip)}`),
        ),
        { numRuns: 40 },
      );
      // A genuine token with other query options.
      await expectRejected(route, `${path}?$top=2&$skiptoken=${genuine}`);
    } else {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(fc.base64String({ minLength: 1, maxLength: 100 }), fc.string({ maxLength: 50 })),
          async (skip) => expectRejected(route, `${path}?$skiptoken=${encodeURIComponent(skip)}`),
        ),
        { numRuns: 10 },
      );
    }
  });

  it('syntactically valid $filter values carrying injection payloads answer 200 with only the caller’s data', async () => {
    const usersOfA = new Set(Array.from({ length: 5 }, (_, i) => userId(A, i + 1)));
    /** Answers per list that carried items, so that the per-item check below is not vacuous. */
    const withItems = new Map<string, number>();
    const payloads = fc.oneof(
      fc.constantFrom(
        "x' or PartitionKey ne '",
        "x') or (PartitionKey ne '",
        "' or '1' eq '1",
        `${tenantId(B)}`,
        'u|',
        "r|' or RowKey ge '",
        '*',
        '%',
      ),
      fc.string({ maxLength: 60 }),
    );
    await fc.assert(
      fc.asyncProperty(payloads, fc.constantFrom('eq', 'ne', 'gt', 'ge', 'lt', 'le'), async (payload, op) => {
        triedCases += 1;
        const literal = `'${payload.replace(/'/g, "''")}'`;
        for (const [path, property] of [
          ['/identityProtection/riskyUsers', 'userPrincipalName'],
          ['/identityProtection/riskDetections', 'userId'],
          ['/identityProtection/riskDetections', 'riskEventType'],
          ['/auditLogs/signIns', 'userId'],
        ] as const) {
          const res = await send(
            service,
            tokenA,
            'GET',
            `${path}?$filter=${encodeURIComponent(`${property} ${op} ${literal}`)}`,
          );
          const context = `${path} ${property} ${op} ${literal} → ${res.status} ${res.text.slice(0, 300)}`;
          expect(res.status, context).toBe(200);
          const items = (res.json as { value: Array<{ id?: string; userId?: string }> }).value;
          for (const item of items) {
            // A risky user's id is its user id; detections and sign-ins name theirs in userId.
            const owner = path === '/identityProtection/riskyUsers' ? item.id : item.userId;
            expect(usersOfA, `${context}: an item of ${String(owner)}`).toContain(owner);
          }
          if (items.length > 0) withItems.set(path, (withItems.get(path) ?? 0) + 1);
          for (const marker of tenantBMarkers) expect(res.text, context).not.toContain(marker);
        }
      }),
      { numRuns: 40 },
    );
    expect(Object.fromEntries(withItems)).toEqual({
      '/identityProtection/riskyUsers': expect.any(Number),
      '/identityProtection/riskDetections': expect.any(Number),
      '/auditLogs/signIns': expect.any(Number),
    });
  });
});

// ---------------------------------------------------------------- ids in paths

describe('bad ids in paths (R-X1: path traversal, injection, oversize)', () => {
  const idRoutes = routes.filter((r) => r.id !== undefined);
  it.each(idRoutes.map((r) => [routeName(r), r] as const))('%s', async (_name, route) => {
    const ids = route.id === 'guid' ? notGuid : notExternalId;
    await fc.assert(
      fc.asyncProperty(
        // '.' and '..' never reach the service as ids: the client's URL normalisation removes them.
        ids.filter((id) => !['', '.', '..'].includes(id) && id.length < 4000),
        async (id) => {
          // One path segment, whatever it contains: what a client library would send.
          const path = route.path.replace('{id}', encodeURIComponent(id));
          await expectRejected(route, path, undefined, undefined, [400, 404]);
        },
      ),
      { numRuns: 40 },
    );
    // Ids of the right form that exist only in tenant B: indistinguishable from ids that exist nowhere.
    const other =
      route.id === 'guid' ? userId(B, 3) : route.path.includes('signIns') ? 'b-signin-1' : 'b-det-1';
    const nowhere = route.id === 'guid' ? userId(B, 4) : 'no-such-id';
    const viaOther = await send(service, tokenA, 'GET', route.path.replace('{id}', other));
    const viaNowhere = await send(service, tokenA, 'GET', route.path.replace('{id}', nowhere));
    triedCases += 2;
    expect(viaOther.status).toBe(404);
    expect(viaNowhere.status).toBe(404);
    expectGraphError(viaOther.json);
    const shape = (text: string, id: string): string =>
      text
        .split(id)
        .join('<id>')
        .replace(/"(client-)?request-id":"[^"]*"/g, '')
        .replace(/"date":"[^"]*"/, '');
    expect(shape(viaOther.text, other)).toBe(shape(viaNowhere.text, nowhere));
  });
});

describe('afterwards', () => {
  it('storage is exactly as before: no entity added, changed or removed, no message queued', async () => {
    const after = await snapshotStorage(service.azurite.connectionString);
    expect(storageDiff(before, after)).toEqual([]);
  });
});
