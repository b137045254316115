import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Invoker } from '../../../tools/local-host/invoke';
import type { Registration } from '../../../tools/local-host/registrations';
import type { CoreInvocationRequest } from '../../../tools/local-host/rpc';
import { TimerListener } from '../../../tools/local-host/timer';

interface Run {
  at: string;
  isPastDue: boolean;
  retryCount: number | undefined;
}

function timer(binding: Record<string, unknown>, retryOptions?: unknown): Registration {
  return {
    name: 'tick',
    bindings: { timerTrigger1: { type: 'timerTrigger', direction: 'in', name: 'timerTrigger1', ...binding } },
    ...(retryOptions ? { retryOptions } : {}),
  };
}

/** Records runs instead of calling a function app; `failures` runs throw first. */
function recordingInvoker(runs: Run[], failures = 0): Invoker {
  let left = failures;
  return {
    invoke: (_registration: Registration, request: CoreInvocationRequest) => {
      const input = JSON.parse(request.inputData[0]!.data!.json!) as { IsPastDue: boolean };
      runs.push({
        at: new Date().toISOString(),
        isPastDue: input.IsPastDue,
        retryCount: request.retryContext?.retryCount,
      });
      if (left-- > 0) return Promise.reject(new Error('failing on purpose'));
      return Promise.resolve({ invocationId: 'x' });
    },
  } as unknown as Invoker;
}

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-03-10T10:59:00.000Z') });
});

afterEach(() => {
  vi.useRealTimers();
});

describe('timer listener', () => {
  it('R-D4: fires on schedule; a run that starts late (e.g. after a suspend) is not past due, as in Azure, whose TimerListener passes isPastDue only for the missed run it finds at startup', async () => {
    const runs: Run[] = [];
    const listener = new TimerListener(timer({ schedule: '%S%' }), recordingInvoker(runs), () => {}, {
      S: '0 0 * * * *',
    });
    await listener.start(undefined);

    await vi.advanceTimersByTimeAsync(60_000);
    expect(runs).toEqual([{ at: '2026-03-10T11:00:00.000Z', isPastDue: false, retryCount: undefined }]);

    // The wall clock jumps 90 minutes while Node's timers stand still, as during a laptop sleep.
    vi.setSystemTime(new Date('2026-03-10T12:30:00.000Z'));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(runs.slice(1)).toEqual([
      { at: '2026-03-10T12:30:10.000Z', isPastDue: false, retryCount: undefined },
    ]);

    await vi.advanceTimersByTimeAsync(30 * 60_000);
    expect(runs.slice(2)).toEqual([
      { at: '2026-03-10T13:00:00.000Z', isPastDue: false, retryCount: undefined },
    ]);
    await listener.stop();
  });

  it('runs at once when runOnStartup is set', async () => {
    const runs: Run[] = [];
    const listener = new TimerListener(
      timer({ schedule: '0 0 0 1 1 *', runOnStartup: true }),
      recordingInvoker(runs),
      () => {},
      {},
    );
    await listener.start(undefined);
    await vi.advanceTimersByTimeAsync(1);
    expect(runs).toEqual([{ at: '2026-03-10T10:59:00.000Z', isPastDue: false, retryCount: undefined }]);
    await listener.stop();
  });

  it('retries a failed run with the function-level retry policy', async () => {
    const runs: Run[] = [];
    const listener = new TimerListener(
      timer(
        { schedule: '0 0 11 * * *' },
        { maxRetryCount: 2, retryStrategy: 'fixedDelay', delayInterval: { seconds: 5 } },
      ),
      recordingInvoker(runs, 1),
      () => {},
      {},
    );
    await listener.start(undefined);
    await vi.advanceTimersByTimeAsync(60_000 + 5_000);
    expect(runs.map((r) => [r.at, r.retryCount])).toEqual([
      ['2026-03-10T11:00:00.000Z', undefined],
      ['2026-03-10T11:00:05.000Z', 1],
    ]);
    await listener.stop();
  });

  it('monitors only schedules of a minute or more unless told otherwise', () => {
    const make = (binding: Record<string, unknown>): TimerListener =>
      new TimerListener(timer(binding), recordingInvoker([]), () => {}, {});
    expect(make({ schedule: '0 */5 * * * *' }).usesMonitor).toBe(true);
    expect(make({ schedule: '*/10 * * * * *' }).usesMonitor).toBe(false);
    expect(make({ schedule: '*/10 * * * * *', useMonitor: true }).usesMonitor).toBe(true);
    expect(make({ schedule: '0 */5 * * * *', useMonitor: false }).usesMonitor).toBe(false);
  });

  it('needs the %SETTING% behind its schedule', async () => {
    const listener = new TimerListener(timer({ schedule: '%NOPE%' }), recordingInvoker([]), () => {}, {});
    await expect(listener.start(undefined)).rejects.toThrow(/NOPE/);
  });
});
