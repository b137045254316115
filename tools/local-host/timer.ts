import type { Invoker, LogLine } from './invoke';
import { errorMessage } from './invoke';
import { nextOccurrence, parseCron, type CronSchedule } from '../../shared/domain/ncrontab';
import {
  resolveAppSettings,
  retryOptionsOf,
  stringOption,
  triggerOf,
  type Registration,
} from './registrations';
import { runWithRetry } from './retry';
import type { CoreInvocationRequest, RpcRetryContext } from './rpc';
import { NEVER, type ScheduleMonitor, type ScheduleStatus } from './schedule-monitor';

/**
 * Long waits are cut into chunks and re-checked against the wall clock: Node timers follow a
 * monotonic clock that stops while a laptop sleeps, the wall clock does not.
 */
const MAX_WAIT_MS = 10_000;
const ADMIN_REASON = 'This function was programmatically called via the host APIs.';

/** The timer input as the Azure host serialises it (PascalCase); the library camel-cases it. */
export function timerRequest(
  bindingName: string,
  isPastDue: boolean,
  status: ScheduleStatus | undefined,
  retryContext?: RpcRetryContext,
): CoreInvocationRequest {
  const timerInfo = {
    Schedule: { AdjustForDST: true },
    ScheduleStatus: status
      ? {
          Last: status.last.toISOString(),
          Next: status.next.toISOString(),
          LastUpdated: status.lastUpdated.toISOString(),
        }
      : null,
    IsPastDue: isPastDue,
  };
  return {
    inputData: [{ name: bindingName, data: { json: JSON.stringify(timerInfo) } }],
    triggerMetadata: {},
    ...(retryContext ? { retryContext } : {}),
  };
}

type StartupRun = { kind: 'pastDue'; originalSchedule: Date } | { kind: 'runOnStartup' };

/** One timer-triggered function: Azure's TimerListener, schedule monitor included. */
export class TimerListener {
  readonly #abort = new AbortController();
  #schedule: CronSchedule | undefined;
  #status: ScheduleStatus | undefined;
  #monitor: ScheduleMonitor | undefined;
  #startup: StartupRun | undefined;
  #timer: NodeJS.Timeout | undefined;
  #current: Promise<void> = Promise.resolve();

  constructor(
    readonly registration: Registration,
    private readonly invoker: Invoker,
    private readonly log: LogLine,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  /** Resolved lazily: a `%SETTING%` schedule only has to exist when the timer runs. */
  get schedule(): CronSchedule {
    if (!this.#schedule) {
      const what = `Function "${this.registration.name}" schedule`;
      const raw = stringOption(triggerOf(this.registration).binding, 'schedule');
      if (!raw) throw new Error(`${what} is missing`);
      this.#schedule = parseCron(resolveAppSettings(raw, this.env, what));
    }
    return this.#schedule;
  }

  /** Azure's default: monitor unless the schedule fires more often than once a minute. */
  get usesMonitor(): boolean {
    const explicit = triggerOf(this.registration).binding.useMonitor;
    if (typeof explicit === 'boolean') return explicit;
    const first = nextOccurrence(this.schedule, new Date());
    const second = first && nextOccurrence(this.schedule, first);
    return !first || !second || second.getTime() - first.getTime() >= 60_000;
  }

  async start(monitor: ScheduleMonitor | undefined): Promise<void> {
    const name = this.registration.name;
    const schedule = this.schedule;
    const now = new Date();
    this.#monitor = this.usesMonitor ? monitor : undefined;
    let pastDue = false;
    if (this.#monitor) {
      const stored = await this.#monitor.getStatus(name);
      const check = await this.#monitor.checkPastDue(name, now, schedule, stored);
      this.#status = check.status;
      pastDue = check.pastDueMs > 0;
    }
    this.#status ??= { last: NEVER, next: this.#next(now), lastUpdated: NEVER };
    this.log(
      `[${name}] schedule "${schedule.expression}" (UTC), next run ${this.#status.next.toISOString()}`,
    );

    if (pastDue) {
      this.log(`[${name}] is past due on startup (missed ${this.#status.next.toISOString()}); running now`);
      this.#startup = { kind: 'pastDue', originalSchedule: this.#status.next };
    } else if (triggerOf(this.registration).binding.runOnStartup === true) {
      this.#startup = { kind: 'runOnStartup' };
    }
    this.#arm();
  }

  /** The admin endpoint's run: `isPastDue: false`, the schedule status untouched. */
  invokeNow(): Promise<unknown> {
    const bindingName = triggerOf(this.registration).bindingName;
    const status = this.#monitor ? this.#status : undefined;
    return this.invoker.invoke(this.registration, timerRequest(bindingName, false, status), ADMIN_REASON);
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    clearTimeout(this.#timer);
    await this.#current;
  }

  #next(after: Date): Date {
    const next = nextOccurrence(this.schedule, after);
    if (!next) throw new Error(`Schedule "${this.schedule.expression}" never occurs`);
    return next;
  }

  #arm(): void {
    if (this.#abort.signal.aborted || !this.#status) return;
    const target = this.#startup ? Date.now() : this.#status.next.getTime();
    const wait = Math.min(Math.max(0, target - Date.now()), MAX_WAIT_MS);
    this.#timer = setTimeout(() => {
      if (Date.now() < target) this.#arm();
      else this.#current = this.#fire().finally(() => this.#arm());
    }, wait);
  }

  async #fire(): Promise<void> {
    const startup = this.#startup;
    this.#startup = undefined;
    const now = new Date();
    try {
      if (startup?.kind === 'pastDue') await this.#invokeJob(now, true, false);
      else if (startup?.kind === 'runOnStartup') await this.#invokeJob(now, false, true);
      // Azure passes isPastDue only for the missed occurrence it finds at startup: a scheduled
      // run that starts late (a suspended process, a previous run that overran) is not past due.
      else await this.#invokeJob(now, false, false);
    } catch (error) {
      // Like Azure: nothing may stop the schedule, not even a failing status update.
      this.log(`[${this.registration.name}] error during scheduled run: ${errorMessage(error)}`);
    }
  }

  async #invokeJob(invocationTime: Date, isPastDue: boolean, runOnStartup: boolean): Promise<void> {
    const status = this.#status!;
    const bindingName = triggerOf(this.registration).bindingName;
    const reason = isPastDue
      ? `Timer is past due (scheduled ${status.next.toISOString()})`
      : runOnStartup
        ? 'Timer runOnStartup'
        : `Timer fired at ${invocationTime.toISOString()}`;
    const shown = this.#monitor ? status : undefined;
    try {
      await runWithRetry(retryOptionsOf(this.registration), this.#abort.signal, (retryContext) =>
        this.invoker.invoke(
          this.registration,
          timerRequest(bindingName, isPastDue, shown, retryContext),
          reason,
        ),
      );
    } catch {
      // Already logged by the invoker; a failed run still advances the schedule, as in Azure.
    }
    // A timer that fires a little early must not record the same `next` twice (Azure does the same).
    const adjusted =
      !isPastDue && !runOnStartup && status.next.getTime() > invocationTime.getTime()
        ? status.next
        : invocationTime;
    this.#status = { last: adjusted, next: this.#next(adjusted), lastUpdated: adjusted };
    await this.#monitor?.updateStatus(this.registration.name, this.#status);
  }
}
