import fs from 'node:fs';
import path from 'node:path';

export interface QueueSettings {
  readonly batchSize: number;
  readonly newBatchThreshold: number;
  readonly maxPollingIntervalMs: number;
  readonly visibilityTimeoutMs: number;
  readonly maxDequeueCount: number;
  readonly messageEncoding: 'base64' | 'none';
}

export interface HostConfig {
  /** Without slashes; `''` means routes sit at the root, as in Azure. */
  readonly routePrefix: string;
  readonly queues: QueueSettings;
}

/**
 * Parses a .NET TimeSpan as host.json writes it: `[d.]hh:mm:ss[.fraction]`. (A bare number
 * means days to .NET, a classic trap, so it is rejected rather than guessed.)
 */
export function parseTimeSpan(value: unknown, what: string): number {
  const match =
    typeof value === 'string'
      ? /^(?:(\d+)\.)?(\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d{1,7}))?$/.exec(value.trim())
      : null;
  if (!match) throw new Error(`${what}: expected a TimeSpan like "00:00:30", got ${JSON.stringify(value)}`);
  const [, days = '0', hours = '0', minutes = '0', seconds = '0', fraction = ''] = match;
  const fractionMs = fraction === '' ? 0 : Number(`0.${fraction}`) * 1000;
  return (
    ((Number(days) * 24 + Number(hours)) * 60 + Number(minutes)) * 60_000 +
    Number(seconds) * 1000 +
    fractionMs
  );
}

function integerIn(value: unknown, fallback: number, min: number, max: number, what: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${what}: expected an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Reads the settings of `host.json` the local host honours, with Azure's defaults. */
export function readHostConfig(appDir: string): HostConfig {
  const file = path.join(appDir, 'host.json');
  const json = JSON.parse(fs.readFileSync(file, 'utf8')) as {
    extensions?: { http?: { routePrefix?: unknown }; queues?: Record<string, unknown> };
  };
  const rawPrefix = json.extensions?.http?.routePrefix;
  if (rawPrefix !== undefined && typeof rawPrefix !== 'string') {
    throw new Error(`${file}: extensions.http.routePrefix must be a string`);
  }
  const routePrefix = (rawPrefix ?? 'api').replace(/^\/+|\/+$/g, '');

  const q = json.extensions?.queues ?? {};
  const batchSize = integerIn(q.batchSize, 16, 1, 32, `${file}: extensions.queues.batchSize`);
  const encoding = q.messageEncoding ?? 'base64';
  if (encoding !== 'base64' && encoding !== 'none') {
    throw new Error(`${file}: extensions.queues.messageEncoding must be "base64" or "none"`);
  }
  const maxPollingIntervalMs =
    q.maxPollingInterval === undefined
      ? 60_000
      : parseTimeSpan(q.maxPollingInterval, `${file}: extensions.queues.maxPollingInterval`);
  if (maxPollingIntervalMs < 100) {
    throw new Error(`${file}: extensions.queues.maxPollingInterval must be at least 00:00:00.1`);
  }
  return {
    routePrefix,
    queues: {
      batchSize,
      newBatchThreshold: integerIn(
        q.newBatchThreshold,
        Math.floor(batchSize / 2),
        0,
        1000,
        `${file}: extensions.queues.newBatchThreshold`,
      ),
      maxPollingIntervalMs,
      visibilityTimeoutMs:
        q.visibilityTimeout === undefined
          ? 0
          : parseTimeSpan(q.visibilityTimeout, `${file}: extensions.queues.visibilityTimeout`),
      maxDequeueCount: integerIn(q.maxDequeueCount, 5, 1, 1000, `${file}: extensions.queues.maxDequeueCount`),
      messageEncoding: encoding,
    },
  };
}
