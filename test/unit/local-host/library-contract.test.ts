import { createRequire } from 'node:module';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadApp, type LoadedApp } from '../../../tools/local-host/app-loader';
import { readHostConfig } from '../../../tools/local-host/host-config';
import { Invoker } from '../../../tools/local-host/invoke';
import { QueueOutputWriter } from '../../../tools/local-host/queue-output';
import type { Registration } from '../../../tools/local-host/registrations';
import type { RpcTypedData } from '../../../tools/local-host/rpc';
import { timerRequest } from '../../../tools/local-host/timer';

/**
 * Pins the internal contract between `@azure/functions` and its host (`@azure/functions-core`)
 * that the local host relies on. When the library is upgraded and this fails, re-read
 * ProgrammingModel.ts, InvocationModel.ts and converters/*.ts before touching the host.
 */
const APP_DIR = path.resolve(__dirname, '../../fixtures/local-host-app');
const requireFromApp = createRequire(path.join(APP_DIR, 'package.json'));

let app: LoadedApp;
let invoker: Invoker;
const logs: string[] = [];
let store: { all(): { fn: string; [key: string]: unknown }[] };

function registration(name: string): Registration {
  return app.registrations.find((r) => r.name === name)!;
}

function decode(data: RpcTypedData | null | undefined): unknown {
  return JSON.parse(Buffer.from(data!.bytes!).toString('utf8'));
}

beforeAll(async () => {
  app = await loadApp(APP_DIR);
  invoker = new Invoker(
    app,
    (line) => logs.push(line),
    new QueueOutputWriter({}, readHostConfig(APP_DIR).queues),
  );
  store = requireFromApp('./src/store.js') as typeof store;
});

describe('@azure/functions internal host contract', () => {
  it('is the pinned library version', () => {
    const pkg = requireFromApp('@azure/functions/package.json') as { version: string };
    expect(pkg.version).toBe('4.16.5');
    expect(app.model.name).toBe('@azure/functions');
    expect(app.model.version).toBe('4.16.5');
    expect(typeof app.model.getInvocationModel).toBe('function');
  });

  it('registers functions as { name, bindings, retryOptions } with the options spread into bindings', () => {
    const items = registration('items');
    const bindings = Object.values(items.bindings) as Record<string, unknown>[];
    expect(bindings).toContainEqual(
      expect.objectContaining({
        type: 'httpTrigger',
        direction: 'in',
        methods: ['GET', 'PUT', 'DELETE'],
        route: 'items/{category:alpha}/{id?}',
        authLevel: 'anonymous',
      }),
    );
    expect(Object.keys(items.bindings).filter((k) => k.startsWith('httpTrigger'))).toHaveLength(1);
    expect(items.bindings.$return).toMatchObject({ type: 'http', direction: 'out' });

    const queueBindings = Object.values(registration('work-queue').bindings);
    expect(queueBindings).toContainEqual(
      expect.objectContaining({
        type: 'queueTrigger',
        direction: 'in',
        queueName: 'fixture-work',
        connection: 'AzureWebJobsStorage',
      }),
    );
    expect(queueBindings).toContainEqual(
      expect.objectContaining({ type: 'queue', direction: 'out', queueName: 'fixture-out' }),
    );

    const tick = registration('tick');
    expect(Object.values(tick.bindings)).toContainEqual(
      expect.objectContaining({ type: 'timerTrigger', direction: 'in', schedule: '%FIXTURE_SCHEDULE%' }),
    );
    expect(tick.retryOptions).toMatchObject({
      maxRetryCount: 1,
      retryStrategy: 'fixedDelay',
      delayInterval: { seconds: 1 },
    });
  });

  it('registers hooks through registerHook', () => {
    expect(app.captured.hooks.get('appStart')).toHaveLength(1);
    expect(app.captured.hooks.get('preInvocation')).toHaveLength(1);
    expect(app.captured.hooks.get('postInvocation')).toHaveLength(1);
  });

  it('turns an RPC HTTP request into HttpRequest and the response into RPC http data', async () => {
    const items = registration('items');
    const bindingName = Object.keys(items.bindings).find((k) => k !== '$return')!;
    const response = await invoker.invoke(
      items,
      {
        inputData: [
          {
            name: bindingName,
            data: {
              http: {
                method: 'PUT',
                url: 'http://localhost/v1.0/items/books/1?q=1',
                headers: { 'x-test': 'yes' },
                query: { q: '1' },
                params: { category: 'books', id: '1' },
                body: { bytes: Buffer.from('raw') },
              },
            },
          },
        ],
        triggerMetadata: {},
      },
      'test',
    );
    expect(response.returnValue?.http).toMatchObject({
      statusCode: '200',
      headers: { 'content-type': 'application/json' },
    });
    expect(decode(response.returnValue?.http?.body)).toMatchObject({
      fn: 'items',
      method: 'PUT',
      params: { category: 'books', id: '1' },
      query: { q: '1' },
      header: 'yes',
      bodyBase64: Buffer.from('raw').toString('base64'),
    });
  });

  it('parses JSON trigger data and camel-cases PascalCase trigger metadata', async () => {
    const queue = registration('work-queue');
    const bindingName = Object.entries(queue.bindings).find(
      ([, b]) => (b as { direction: string }).direction === 'in',
    )![0];
    await invoker.invoke(
      queue,
      {
        inputData: [{ name: bindingName, data: { json: '{"id":"contract"}' } }],
        triggerMetadata: { DequeueCount: { json: '2' }, Id: { json: '"m-1"' }, PopReceipt: { json: '"p"' } },
      },
      'test',
    );
    expect(store.all().find((c) => c.fn === 'work-queue')).toMatchObject({
      message: { id: 'contract' },
      meta: { dequeueCount: 2, id: 'm-1', popReceipt: 'p' },
    });
  });

  it('camel-cases the timer input', async () => {
    const tick = registration('tick');
    const bindingName = Object.keys(tick.bindings)[0]!;
    const when = new Date('2026-01-01T00:00:00.000Z');
    await invoker.invoke(
      tick,
      timerRequest(bindingName, true, { last: when, next: when, lastUpdated: when }),
      'test',
    );
    expect(store.all().find((c) => c.fn === 'tick')).toMatchObject({
      timer: {
        isPastDue: true,
        schedule: { adjustForDST: true },
        scheduleStatus: {
          last: when.toISOString(),
          next: when.toISOString(),
          lastUpdated: when.toISOString(),
        },
      },
    });
  });

  it('runs pre- and post-invocation hooks with shared hook data', async () => {
    await invoker.invoke(registration('hooked'), { inputData: [], triggerMetadata: {} }, 'test');
    expect(store.all().find((c) => c.fn === 'hooked-post')).toMatchObject({
      hookData: 'preInvocation',
      result: { ok: true },
    });
  });

  it("rejects with the function's own error and logs only its message", async () => {
    const boom = registration('boom');
    const bindingName = Object.keys(boom.bindings).find((k) => k !== '$return')!;
    await expect(
      invoker.invoke(
        boom,
        {
          inputData: [
            { name: bindingName, data: { http: { method: 'GET', url: 'http://localhost/v1.0/boom' } } },
          ],
          triggerMetadata: {},
        },
        'test',
      ),
    ).rejects.toThrow('secret-detail-do-not-leak');
    const failure = logs.find((line) => line.includes("'Functions.boom' (Failed"));
    expect(failure).toContain('secret-detail-do-not-leak');
    expect(failure).not.toMatch(/\n\s+at /);
  });

  it('refuses to host a second app in the same process', async () => {
    await expect(loadApp(path.resolve(APP_DIR, '..'))).rejects.toThrow(/already hosts/);
    await expect(loadApp(APP_DIR)).resolves.toBe(app);
  });
});
