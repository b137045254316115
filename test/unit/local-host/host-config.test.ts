import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseTimeSpan, readHostConfig } from '../../../tools/local-host/host-config';

const dirs: string[] = [];
function appWith(hostJson: unknown): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'local-host-config-'));
  dirs.push(dir);
  fs.writeFileSync(path.join(dir, 'host.json'), JSON.stringify(hostJson));
  return dir;
}

afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe('host.json', () => {
  it('parses .NET TimeSpans', () => {
    expect(parseTimeSpan('00:00:02', 'x')).toBe(2_000);
    expect(parseTimeSpan('00:01:00', 'x')).toBe(60_000);
    expect(parseTimeSpan('00:00:00.5', 'x')).toBe(500);
    expect(parseTimeSpan('1.02:00:00', 'x')).toBe(26 * 3_600_000);
    expect(() => parseTimeSpan('5', 'x')).toThrow(/TimeSpan/);
    expect(() => parseTimeSpan(2000, 'x')).toThrow(/TimeSpan/);
  });

  it("falls back to Azure's defaults", () => {
    expect(readHostConfig(appWith({ version: '2.0' }))).toEqual({
      routePrefix: 'api',
      queues: {
        batchSize: 16,
        newBatchThreshold: 8,
        maxPollingIntervalMs: 60_000,
        visibilityTimeoutMs: 0,
        maxDequeueCount: 5,
        messageEncoding: 'base64',
      },
    });
  });

  it("reads the project's settings", () => {
    const config = readHostConfig(path.resolve(__dirname, '../../..'));
    expect(config.routePrefix).toBe('v1.0');
    expect(config.queues).toMatchObject({
      maxPollingIntervalMs: 500,
      visibilityTimeoutMs: 5_000,
      maxDequeueCount: 5,
    });
  });

  it('allows an empty route prefix and rejects invalid queue settings', () => {
    expect(readHostConfig(appWith({ extensions: { http: { routePrefix: '' } } })).routePrefix).toBe('');
    expect(() => readHostConfig(appWith({ extensions: { queues: { batchSize: 33 } } }))).toThrow(/batchSize/);
    expect(() => readHostConfig(appWith({ extensions: { queues: { messageEncoding: 'utf8' } } }))).toThrow(
      /messageEncoding/,
    );
  });
});
