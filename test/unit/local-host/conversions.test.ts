import { describe, expect, it } from 'vitest';
import { fromRpcHttpResponse, serializeCookie } from '../../../tools/local-host/http-rpc';
import { decodeMessageText, queuePayload } from '../../../tools/local-host/queue-listener';
import { encodeQueueMessage, toQueueMessages } from '../../../tools/local-host/queue-output';
import { resolveAppSettings } from '../../../tools/local-host/registrations';
import { retryDelayMs } from '../../../tools/local-host/retry';
import { connectionStringFor, normalizeQueueName } from '../../../tools/local-host/storage';

describe('queue messages', () => {
  it('decodes base64, and refuses text that is not base64', () => {
    expect(decodeMessageText(Buffer.from('{"a":1}').toString('base64'), 'base64')).toBe('{"a":1}');
    expect(decodeMessageText('not base64!', 'base64')).toBeUndefined();
    expect(decodeMessageText('abc', 'base64')).toBeUndefined();
    expect(decodeMessageText('not base64!', 'none')).toBe('not base64!');
  });

  it('sends JSON as json and anything else as string', () => {
    expect(queuePayload('{"a":1}', undefined)).toEqual({ json: '{"a":1}' });
    expect(queuePayload('123', undefined)).toEqual({ json: '123' });
    expect(queuePayload('hello', undefined)).toEqual({ string: 'hello' });
    expect(queuePayload('hello', 'binary')).toEqual({ bytes: Buffer.from('hello') });
  });

  it('turns output values into one message per array item, encoded per host.json', () => {
    expect(toQueueMessages({ json: '[{"a":1},"b"]' })).toEqual(['{"a":1}', 'b']);
    expect(toQueueMessages({ json: '{"a":1}' })).toEqual(['{"a":1}']);
    expect(toQueueMessages({ string: 'x' })).toEqual(['x']);
    expect(toQueueMessages(undefined)).toEqual([]);
    expect(encodeQueueMessage('hi', 'base64')).toBe('aGk=');
    expect(encodeQueueMessage('hi', 'none')).toBe('hi');
  });
});

describe('HTTP responses', () => {
  it('serialises cookies with their attributes', () => {
    expect(
      serializeCookie({
        name: 'sid',
        value: 'v',
        domain: { value: 'example.com' },
        path: { value: '/' },
        expires: { value: { seconds: 0 } },
        maxAge: { value: 60 },
        secure: { value: true },
        httpOnly: { value: true },
        sameSite: 'explicitNone',
      }),
    ).toBe(
      'sid=v; Domain=example.com; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=60; Secure; HttpOnly; SameSite=None',
    );
  });

  it('maps the RPC response, dropping framing headers the server sets itself', () => {
    const result = fromRpcHttpResponse({
      http: {
        statusCode: '418',
        headers: { 'x-a': '1, 2', 'content-length': '999', 'transfer-encoding': 'chunked' },
        cookies: [{ name: 'a', value: '1' }],
        body: { bytes: new Uint8Array([1, 2]) },
      },
    });
    expect(result.status).toBe(418);
    expect(result.headers).toEqual([
      ['x-a', '1, 2'],
      ['set-cookie', 'a=1'],
    ]);
    expect([...result.body]).toEqual([1, 2]);
    expect(fromRpcHttpResponse(undefined).status).toBe(204);
  });
});

describe('settings and options', () => {
  it('resolves %SETTING% references and names a missing one', () => {
    expect(resolveAppSettings('%A%-x-%B%', { A: '1', B: '2' }, 'w')).toBe('1-x-2');
    expect(() => resolveAppSettings('%MISSING%', {}, 'Function "t" schedule')).toThrow(/MISSING/);
  });

  it('finds a connection by name, with the AzureWebJobs prefix, or says what is missing', () => {
    expect(connectionStringFor(undefined, { AzureWebJobsStorage: 'a' })).toBe('a');
    expect(connectionStringFor('Other', { AzureWebJobsOther: 'b' })).toBe('b');
    expect(() => connectionStringFor('Other', {})).toThrow(/"Other" is not set/);
    expect(() => connectionStringFor(undefined, { AzureWebJobsStorage__accountName: 'x' })).toThrow(
      /identity-based/,
    );
  });

  it('lower-cases and validates queue names', () => {
    expect(normalizeQueueName('Risk-Work', 'q')).toBe('risk-work');
    expect(() => normalizeQueueName('a--b', 'q')).toThrow(/not a valid/);
  });

  it('computes retry delays for both strategies', () => {
    expect(retryDelayMs({ retryStrategy: 'fixedDelay', delayInterval: { seconds: 3 } }, 2)).toBe(3_000);
    const exponential = {
      retryStrategy: 'exponentialBackoff' as const,
      minimumInterval: { seconds: 1 },
      maximumInterval: { seconds: 5 },
    };
    expect([1, 2, 3, 4].map((n) => retryDelayMs(exponential, n))).toEqual([1_000, 2_000, 4_000, 5_000]);
  });
});
