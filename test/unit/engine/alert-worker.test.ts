import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_DELIVERIES } from '../../../shared/storage/queue';

describe('queue workers (R-X5)', () => {
  it('knows the delivery after which the host poisons a message: host.json maxDequeueCount', () => {
    const host = JSON.parse(fs.readFileSync(path.join(__dirname, '../../../host.json'), 'utf8')) as {
      extensions: { queues: { maxDequeueCount: number } };
    };
    expect(MAX_DELIVERIES).toBe(host.extensions.queues.maxDequeueCount);
  });
});
