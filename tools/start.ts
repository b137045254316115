import fs from 'node:fs';
import path from 'node:path';
import { mintDevToken } from '../shared/auth';
import { startAzurite, type AzuriteInstance } from './azurite';
import { devTokenSettingsOf } from './dev-token-settings';
import { startLocalHost, type LocalHost } from './local-host';
import { localSettings } from './local-settings';
import { listenError, portFrom } from './port';
import { configuredStorageOf } from './start-storage';
import { removeRuntime, writeRuntime } from './runtime-file';

/**
 * `npm start`: the function app on the local host, on an embedded in-memory Azurite
 * (or the storage in AzureWebJobsStorage), with the demo tenants loaded, a dev token
 * and example calls printed. Ctrl-C stops all of it.
 */
const DEMO_SEEDS = ['seeds/contoso-demo.json', 'seeds/fabrikam-free.json'];

async function main(): Promise<void> {
  const started = Date.now();
  // Like an app setting in Azure, the timer's %WEEKLY_DIGEST_SCHEDULE% must resolve: give it the default.
  const env: Record<string, string> = {
    AUTH_MODE: 'dev',
    WEEKLY_DIGEST_SCHEDULE: '0 0 9 * * 1',
    ...localSettings(),
  };
  // An empty environment variable counts as unset, as shared/config reads it.
  for (const [key, value] of Object.entries(env)) if (!process.env[key]) process.env[key] = value;
  const port = portFrom(process.env.PORT);

  let azurite: AzuriteInstance | undefined;
  let connectionString = configuredStorageOf(process.env);
  if (connectionString === undefined) {
    azurite = await startAzurite();
    connectionString = azurite.connectionString;
    process.env.AzureWebJobsStorage = connectionString;
    console.log('Embedded Azurite (in memory) started.');
  } else {
    console.log('Using the storage in AzureWebJobsStorage.');
  }

  const running: { host?: LocalHost } = {};
  const stop = async (): Promise<void> => {
    removeRuntime();
    await running.host?.stop();
    await azurite?.stop();
  };
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      console.log('\nStopping…');
      void stop().then(() => process.exit(0));
    });
  }

  // Warming up until the demo data is in: health must not answer 200 before (SPEC §9), and
  // a call for a demo tenant before its seed would be a 401, cached by the app for 30 s.
  const host = await startLocalHost({ appDir: process.cwd(), port, warmUp: true }).catch((error: unknown) => {
    throw listenError(error, port);
  });
  running.host = host;
  const { keyFile, audience } = devTokenSettingsOf(process.env);
  writeRuntime({
    pid: process.pid,
    url: host.url,
    connectionString,
    keyFile,
    audience,
  });

  const [{ SeedFile }, { loadSeed }] = await Promise.all([
    import('../shared/domain/seed-file'),
    import('../shared/engine/seed'),
  ]);
  const seeds = DEMO_SEEDS.map((file) =>
    SeedFile.parse(JSON.parse(fs.readFileSync(path.resolve(file), 'utf8'))),
  );
  for (const seed of seeds) await loadSeed(seed);

  const demo = seeds[0]!.tenant.id;
  const token = await mintDevToken({
    keyFile,
    audience,
    tenantId: demo,
    objectId: '00000002-aaaa-4bbb-8ccc-000000000002',
    wids: ['194ae4cb-b126-40b2-bd5b-6091b380977d'],
    minutes: 8 * 60,
  });
  const demoFeedback = azurite ? await applyDemoFeedback(`${host.warmUpUrl}/v1.0`, token) : [];
  await host.ready();
  const base = `${host.url}/v1.0`;
  console.log(`
riskloop is running at ${base} (ready in ${((Date.now() - started) / 1000).toFixed(1)} s)
${demoFeedback.length ? `Demo feedback applied through the API: ${demoFeedback.join('; ')}\n` : ''}Demo tenants: ${seeds.map((s) => `${s.tenant.displayName} ${s.tenant.id}`).join('; ')}

A Security Administrator dev token for the demo tenant (valid 8 h):
export TOKEN='${token}'

Try:
curl -s ${base}/riskloop/health
curl -s -H "Authorization: Bearer $TOKEN" "${base}/identityProtection/riskyUsers?\\$filter=riskLevel%20eq%20'high'"
curl -s -H "Authorization: Bearer $TOKEN" ${base}/identityProtection/riskDetections
curl -s -H "Authorization: Bearer $TOKEN" ${base}/auditLogs/signIns
curl -s -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \\
     -d '{"userIds":["00000015-aaaa-4bbb-8ccc-000000000015"]}' ${base}/identityProtection/riskyUsers/confirmCompromised
More tokens:  npm run -s token -- --tenant ${demo} --user <oid> --wids SecurityReader
Load a file:  npm run seed -- seeds/fabrikam-free.json
Press Ctrl-C to stop.`);
}

/**
 * Gives the fresh demo tenant the states only feedback produces (dismissed, confirmed
 * compromised, confirmed safe), through the API as an administrator would (at `base`, the
 * host's warm-up listener, while its port still answers 503). Only on the embedded
 * in-memory storage: against real storage it would add actions on every start.
 */
async function applyDemoFeedback(base: string, token: string): Promise<string[]> {
  const actions: Array<[string, string, Record<string, string[]>]> = [
    [
      'Heidi dismissed',
      '/identityProtection/riskyUsers/dismiss',
      { userIds: ['00000012-aaaa-4bbb-8ccc-000000000012'] },
    ],
    [
      'Ivan confirmed compromised',
      '/identityProtection/riskyUsers/confirmCompromised',
      { userIds: ['00000013-aaaa-4bbb-8ccc-000000000013'] },
    ],
    [
      "Grace's sign-in confirmed safe",
      '/auditLogs/signIns/confirmSafe',
      { requestIds: ['11111111-0000-4000-8000-000000000001'] },
    ],
  ];
  const done: string[] = [];
  for (const [what, route, body] of actions) {
    const res = await fetch(`${base}${route}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (res.status === 204) done.push(what);
    else console.error(`demo feedback "${what}" answered ${res.status}`);
  }
  return done;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  removeRuntime();
  process.exit(1);
});
