import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { QueueClient } from '@azure/storage-queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type AzuriteInstance } from '../../tools/azurite';
import { nextOccurrence, parseCron } from '../../shared/domain/ncrontab';
import { ScheduleMonitor } from '../../tools/local-host/schedule-monitor';
import { spawnLocalHost, type SpawnedLocalHost } from '../../tools/local-host/spawn';

const APP_DIR = path.resolve(__dirname, '../fixtures/local-host-app');
const HOST_ID = 'local-host-fixture';
/** Yearly, so it never fires by itself during a test run, and is monitored (interval > 1 min). */
const YEARLY = '0 0 0 1 1 *';

interface TimerInput {
  isPastDue: boolean;
  schedule: { adjustForDST: boolean };
  scheduleStatus: { last: string; next: string; lastUpdated: string } | null;
}

interface Call {
  fn: string;
  message?: unknown;
  meta?: {
    dequeueCount: number;
    id: string;
    popReceipt: string;
    insertionTime: string;
    expirationTime: string;
    nextVisibleTime: string;
  };
  timer?: TimerInput;
  hookData?: string;
}

interface Echo {
  fn: string;
  method: string;
  params: Record<string, string>;
  query: Record<string, string>;
  header: string | null;
  bodyBase64: string;
}

let azurite: AzuriteInstance;
let host: SpawnedLocalHost;

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');
const queue = (name: string): QueueClient => new QueueClient(azurite.connectionString, name);

function hostEnv(): Record<string, string> {
  return {
    AzureWebJobsStorage: azurite.connectionString,
    FixtureStorage: azurite.connectionString,
    FIXTURE_SCHEDULE: YEARLY,
  };
}

async function callsOf(target: SpawnedLocalHost = host): Promise<Call[]> {
  const response = await fetch(`${target.url}/v1.0/calls`);
  return (await response.json()) as Call[];
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function callsWithId(id: string, target?: SpawnedLocalHost): Promise<Call[]> {
  return (await callsOf(target)).filter((c) => (c.message as { id?: string } | undefined)?.id === id);
}

async function drainQueue(name: string): Promise<string[]> {
  const items = await queue(name).receiveMessages({ numberOfMessages: 32, visibilityTimeout: 30 });
  return items.receivedMessageItems.map((m) => m.messageText);
}

function post(url: string, body: string): Promise<Response> {
  return fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
}

beforeAll(async () => {
  azurite = await startAzurite();
  host = await spawnLocalHost({ appDir: APP_DIR, env: hostEnv() });
});

afterAll(async () => {
  await host?.stop();
  await azurite?.stop();
});

describe('local host: HTTP', () => {
  it('serves routes only under the host.json route prefix', async () => {
    expect((await fetch(`${host.url}/items/books/1`)).status).toBe(404);
    const response = await fetch(`${host.url}/v1.0/items/books/1`);
    expect(response.status).toBe(200);
    expect(((await response.json()) as Echo).fn).toBe('items');
  });

  it('delivers route params, the query string, headers and the raw body bytes', async () => {
    const body = Buffer.from([0, 1, 254, 255, 10]);
    const response = await fetch(`${host.url}/v1.0/items/books/42?x=1&x=2&y=z`, {
      method: 'PUT',
      headers: { 'x-test': 'hello' },
      body,
    });
    const echo = (await response.json()) as Echo;
    expect(echo).toMatchObject({
      fn: 'items',
      method: 'PUT',
      params: { category: 'books', id: '42' },
      // One string per key, comma-joined, as the Azure host sends repeated query keys.
      query: { x: '1,2', y: 'z' },
      header: 'hello',
      bodyBase64: body.toString('base64'),
    });
  });

  it('matches optional parameters and honours constraints', async () => {
    const optional = (await (await fetch(`${host.url}/v1.0/items/books`)).json()) as Echo;
    expect(optional.params).toEqual({ category: 'books' });
    expect((await fetch(`${host.url}/v1.0/items/123/1`)).status).toBe(404); // {category:alpha}
    const id = randomUUID();
    const byId = (await (await fetch(`${host.url}/v1.0/byid/${id}`)).json()) as Echo;
    expect(byId).toMatchObject({ fn: 'by-id', params: { id } });
    expect((await fetch(`${host.url}/v1.0/byid/not-a-guid`)).status).toBe(404);
  });

  it('answers 404 (like Azure, not 405) for a method the route does not accept', async () => {
    expect((await fetch(`${host.url}/v1.0/items/books/1`, { method: 'POST' })).status).toBe(404);
    expect((await fetch(`${host.url}/v1.0/default-route`, { method: 'PUT' })).status).toBe(404);
    expect((await fetch(`${host.url}/v1.0/default-route`)).status).toBe(200);
    expect((await fetch(`${host.url}/v1.0/default-route`, { method: 'POST' })).status).toBe(200);
  });

  it('matches the prefix and literal segments case-insensitively', async () => {
    const echo = (await (await fetch(`${host.url}/V1.0/ITEMS/Books/7`)).json()) as Echo;
    expect(echo).toMatchObject({ fn: 'items', params: { category: 'Books', id: '7' } });
  });

  it('prefers literal segments over parameters, whatever the registration order', async () => {
    const dismiss = (await (
      await fetch(`${host.url}/v1.0/things/dismiss`, { method: 'POST' })
    ).json()) as Echo;
    expect(dismiss.fn).toBe('things-dismiss');
    const get = (await (await fetch(`${host.url}/v1.0/things/dismiss`)).json()) as Echo;
    expect(get).toMatchObject({ fn: 'things-get', params: { id: 'dismiss' } });
    expect((await fetch(`${host.url}/v1.0/things/other`, { method: 'POST' })).status).toBe(404);
  });

  it('passes status, headers, every cookie and binary bodies back', async () => {
    const response = await fetch(`${host.url}/v1.0/headers`);
    expect(response.status).toBe(201);
    expect(response.headers.get('x-multi')).toBe('a, b');
    expect(response.headers.get('content-type')).toBe('application/octet-stream');
    expect(response.headers.getSetCookie()).toEqual(['first=1; HttpOnly', 'second=2; Path=/; SameSite=Lax']);
    expect([...new Uint8Array(await response.arrayBuffer())]).toEqual([0, 1, 2, 254, 255]);
  });

  it('answers 204 when a function returns no response', async () => {
    const response = await fetch(`${host.url}/v1.0/empty`);
    expect(response.status).toBe(204);
    expect(await response.text()).toBe('');
  });

  it('answers 500 without internals when a function throws, and logs only the message', async () => {
    const response = await fetch(`${host.url}/v1.0/boom`);
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(text).not.toContain('secret');
    expect(JSON.parse(text)).toMatchObject({ error: { code: 'InternalServerError' } });
    await waitFor('the failure log', () =>
      Promise.resolve(host.output().includes('secret-detail') ? true : undefined),
    );
    expect(host.output()).not.toMatch(/functions[\\/]http\.js:\d+/);
  });

  it('answers unknown paths with a JSON 404', async () => {
    const response = await fetch(`${host.url}/v1.0/no/such/route`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { code: 'ResourceNotFound' } });
  });

  it('runs app and invocation hooks', async () => {
    await fetch(`${host.url}/v1.0/hooked`);
    const calls = await callsOf();
    expect(calls.filter((c) => c.fn === 'appStart')).toHaveLength(1);
    expect(calls.find((c) => c.fn === 'hooked-post')).toMatchObject({ hookData: 'preInvocation' });
  });
});

describe('local host: queue trigger', () => {
  it('handles a good message once, deletes it and writes its queue output', async () => {
    const id = randomUUID();
    await queue('fixture-work').sendMessage(b64(JSON.stringify({ id, forward: { id, note: 'forwarded' } })));
    const [call] = await waitFor('the call', async () => {
      const calls = await callsWithId(id);
      return calls.length > 0 ? calls : undefined;
    });
    expect(call!.meta?.dequeueCount).toBe(1);
    expect(typeof call!.meta?.id).toBe('string');
    expect(typeof call!.meta?.popReceipt).toBe('string');
    expect(Number.isNaN(Date.parse(call!.meta!.insertionTime))).toBe(false);
    expect(Number.isNaN(Date.parse(call!.meta!.nextVisibleTime))).toBe(false);

    const forwarded = await waitFor('the output message', async () => {
      const texts = await drainQueue('fixture-out');
      const mine = texts.map((t) => Buffer.from(t, 'base64').toString('utf8')).find((t) => t.includes(id));
      return mine;
    });
    expect(JSON.parse(forwarded)).toEqual({ id, note: 'forwarded' });

    // Past the 1 s retry delay and a polling interval: a message that was not deleted would be back.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(await callsWithId(id)).toHaveLength(1);
    expect(
      (await queue('fixture-work').peekMessages({ numberOfMessages: 32 })).peekedMessageItems,
    ).toHaveLength(0);
  });

  it('retries a failing message with a growing dequeueCount, then moves it to the poison queue', async () => {
    const id = randomUUID();
    const text = b64(JSON.stringify({ id, fail: true }));
    await queue('fixture-work').sendMessage(text);
    const calls = await waitFor('three attempts', async () => {
      const found = await callsWithId(id);
      return found.length >= 3 ? found : undefined;
    });
    expect(calls.map((c) => c.meta?.dequeueCount)).toEqual([1, 2, 3]);
    const poisoned = await waitFor('the poison message', async () => {
      const peeked = await queue('fixture-work-poison').peekMessages({ numberOfMessages: 32 });
      return peeked.peekedMessageItems.find((m) => m.messageText === text);
    });
    expect(poisoned.messageText).toBe(text);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(await callsWithId(id)).toHaveLength(3);
  });

  it('decodes base64 and passes text that is not JSON as a string', async () => {
    const text = `plain text ${randomUUID()}`;
    await queue('fixture-work').sendMessage(b64(text));
    await waitFor('the call', async () => (await callsOf()).find((c) => c.message === text));
  });

  it('poisons a message that is not valid base64 without running the function', async () => {
    const raw = `not base64! ${randomUUID()}`;
    await queue('fixture-work').sendMessage(raw);
    await waitFor('the poison message', async () => {
      const peeked = await queue('fixture-work-poison').peekMessages({ numberOfMessages: 32 });
      return peeked.peekedMessageItems.find((m) => m.messageText === raw);
    });
    const calls = await callsOf();
    expect(calls.some((c) => typeof c.message === 'string' && c.message.includes(raw))).toBe(false);
  });

  it('leaks no abort listener while a full batch drains (no MaxListenersExceededWarning)', async () => {
    // batchSize 8, newBatchThreshold 4: each message finished while more than 4 run wakes the
    // poll loop. Every wake used to leave a 60 s sleep listening on the stop signal, so the
    // 11th within a minute made Node warn (bench/host.log).
    const ids = Array.from({ length: 48 }, () => randomUUID());
    await Promise.all(ids.map((id) => queue('fixture-work').sendMessage(b64(JSON.stringify({ id })))));
    await waitFor('every message handled', async () => {
      const handled = new Set((await callsOf()).map((c) => (c.message as { id?: string } | undefined)?.id));
      return ids.every((id) => handled.has(id)) ? true : undefined;
    });
    expect(host.output()).not.toContain('MaxListenersExceededWarning');
  });

  it('polls through the connection setting the binding names', async () => {
    const id = randomUUID();
    await queue('fixture-other').sendMessage(b64(JSON.stringify({ id })));
    const [call] = await waitFor('the call', async () => {
      const calls = await callsWithId(id);
      return calls.length > 0 ? calls : undefined;
    });
    expect(call!.fn).toBe('other-queue');
  });
});

describe('local host: admin endpoint', () => {
  it('runs a timer function now, with isPastDue false', async () => {
    const before = (await callsOf()).filter((c) => c.fn === 'tick').length;
    expect((await post(`${host.url}/admin/functions/tick`, '{"input": ""}')).status).toBe(202);
    const ticks = await waitFor('the tick', async () => {
      const found = (await callsOf()).filter((c) => c.fn === 'tick');
      return found.length > before ? found : undefined;
    });
    const timer = ticks.at(-1)!.timer!;
    expect(timer.isPastDue).toBe(false);
    expect(timer.schedule).toEqual({ adjustForDST: true });
    const expectedNext = nextOccurrence(parseCron(YEARLY), new Date(Date.now() - 60_000))!;
    expect(timer.scheduleStatus?.next).toBe(expectedNext.toISOString());
  });

  it('runs a queue function now, with the input as the message payload', async () => {
    const id = randomUUID();
    expect(
      (
        await post(
          `${host.url}/admin/functions/work-queue`,
          JSON.stringify({ input: JSON.stringify({ id }) }),
        )
      ).status,
    ).toBe(202);
    const [call] = await waitFor('the call', async () => {
      const calls = await callsWithId(id);
      return calls.length > 0 ? calls : undefined;
    });
    expect(call!.message).toEqual({ id });
    expect(call!.meta?.dequeueCount).toBe(0);
  });

  it('answers 404 for unknown functions and 400 for bad bodies and HTTP functions', async () => {
    expect((await post(`${host.url}/admin/functions/no-such-function`, '{"input": ""}')).status).toBe(404);
    expect((await post(`${host.url}/admin/functions/items`, '{"input": ""}')).status).toBe(400);
    for (const body of ['', 'not json', '[]', '"text"', '{"input": 5}']) {
      expect((await post(`${host.url}/admin/functions/tick`, body)).status, body).toBe(400);
    }
    expect((await fetch(`${host.url}/admin/functions/tick`)).status).toBe(404);
    // The admin API is not under the route prefix.
    expect((await post(`${host.url}/v1.0/admin/functions/tick`, '{"input": ""}')).status).toBe(404);
  });

  it('refuses what a web page could send (no master key locally): an Origin header, a body not sent as JSON', async () => {
    const id = randomUUID();
    const body = JSON.stringify({ input: JSON.stringify({ id }) });
    const url = `${host.url}/admin/functions/work-queue`;
    // A "simple" cross-site request needs no preflight: text/plain, or a form.
    const plain = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'text/plain' } });
    expect(plain.status).toBe(415);
    const form = await fetch(url, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.status).toBe(415);
    const crossSite = await fetch(url, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', origin: 'https://evil.example' },
    });
    expect(crossSite.status).toBe(403);
    expect(((await crossSite.json()) as { error: { code: string } }).error.code).toBe('Forbidden');
    // None of them ran the function; the same body as JSON does.
    expect((await post(url, body)).status).toBe(202);
    const calls = await waitFor('the call', async () => {
      const found = await callsWithId(id);
      return found.length > 0 ? found : undefined;
    });
    await new Promise((r) => setTimeout(r, 500));
    expect(await callsWithId(id)).toHaveLength(calls.length);
    expect(calls).toHaveLength(1);
  });
});

describe('local host: timer schedule monitor', () => {
  it('runs a missed occurrence exactly once on startup with isPastDue true', async () => {
    await host.stop();
    const schedule = parseCron(YEARLY);
    const last = new Date('2020-01-01T00:00:00.000Z');
    const missed = nextOccurrence(schedule, last)!;
    const monitor = await ScheduleMonitor.open(azurite.connectionString, HOST_ID);
    await monitor.updateStatus('tick', { last, next: missed, lastUpdated: last });

    const restarted = await spawnLocalHost({ appDir: APP_DIR, env: hostEnv() });
    try {
      const tick = await waitFor('the past-due tick', async () =>
        (await callsOf(restarted)).find((c) => c.fn === 'tick'),
      );
      expect(tick.timer).toMatchObject({
        isPastDue: true,
        scheduleStatus: { last: last.toISOString(), next: missed.toISOString() },
      });
    } finally {
      await restarted.stop();
    }
    const status = await monitor.getStatus('tick');
    expect(status!.next.getTime()).toBeGreaterThan(Date.now());

    // Caught up: the next start sees nothing missed. An admin run (requested after startup)
    // marks the point by which a startup run would have happened.
    const again = await spawnLocalHost({ appDir: APP_DIR, env: hostEnv() });
    try {
      expect((await post(`${again.url}/admin/functions/tick`, '{"input": ""}')).status).toBe(202);
      const ticks = await waitFor('the admin tick', async () => {
        const found = (await callsOf(again)).filter((c) => c.fn === 'tick');
        return found.length > 0 ? found : undefined;
      });
      expect(ticks.map((t) => t.timer?.isPastDue)).toEqual([false]);
    } finally {
      await again.stop();
    }
  });
});
