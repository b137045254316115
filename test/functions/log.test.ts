import { InvocationContext } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { logOutcome } from '../../shared/http/log';

function contextCapturing(lines: string[], levels: string[] = []): InvocationContext {
  return new InvocationContext({
    functionName: 'rescore',
    invocationId: 'inv-1',
    triggerMetadata: { dequeueCount: 2 },
    logHandler: (level, ...args) => {
      levels.push(level);
      lines.push(args.map(String).join(' '));
    },
  });
}

describe('structured queue logs (issue 8, R-X7)', () => {
  it('one JSON line with function, invocation, tenant, delivery count and outcome — not the message', () => {
    const lines: string[] = [];
    const message = {
      type: 'rescore',
      tenantId: '7d1e2f3a-1111-4c2b-9a55-0d5e6f7a8b9c',
      userId: 'u',
      detectionIds: ['secret-looking-id'],
    };
    logOutcome(contextCapturing(lines), message, { outcome: 'rescored' });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toEqual({
      event: 'queueMessage',
      function: 'rescore',
      invocationId: 'inv-1',
      tenantId: '7d1e2f3a-1111-4c2b-9a55-0d5e6f7a8b9c',
      dequeueCount: 2,
      outcome: 'rescored',
    });
    expect(lines[0]).not.toContain('secret-looking-id');
  });

  it('leaves out a tenant id that is not a GUID (a malformed message)', () => {
    const lines: string[] = [];
    logOutcome(contextCapturing(lines), { tenantId: '<script>' }, { outcome: 'poisoned' });
    expect(JSON.parse(lines[0]!)).not.toHaveProperty('tenantId');
  });

  it('R-X2 / R-X6: logs the outcomes an operator must act on (poisoned, failed, deferred) as warnings (severityLevel 2), the others as information', () => {
    for (const outcome of ['poisoned', 'failed', 'interrupted', 'deferred']) {
      const levels: string[] = [];
      logOutcome(contextCapturing([], levels), {}, { outcome });
      expect(levels, outcome).toEqual(['warning']);
    }
    for (const outcome of ['rescored', 'sent', 'written', 'stale', 'noRecipients']) {
      const levels: string[] = [];
      logOutcome(contextCapturing([], levels), {}, { outcome });
      expect(levels, outcome).toEqual(['information']);
    }
  });
});
