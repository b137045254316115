import fs from 'node:fs';
import path from 'node:path';
import { loadApp } from './app-loader';
import { readHostConfig } from './host-config';
import { startHttpServer, type HttpHost } from './http-server';
import { errorMessage, Invoker, type LogLine } from './invoke';
import { QueueListener } from './queue-listener';
import { QueueOutputWriter } from './queue-output';
import { bindingsOf, triggerOf, type Registration } from './registrations';
import { RouteTable } from './route-table';
import { ScheduleMonitor } from './schedule-monitor';
import { connectionStringFor } from './storage';
import { TimerListener } from './timer';

export type { Registration } from './registrations';

export interface LocalHostOptions {
  /** Folder with the app's package.json (whose `main` glob names the function files) and host.json. */
  appDir: string;
  /** 0 or undefined = a free port. */
  port?: number;
  /** Assigned into `process.env` before the app is loaded. */
  env?: Record<string, string>;
  /** Receives every host and function log line; default `console.log` with the time in front. */
  log?: (line: string) => void;
  disableQueues?: boolean;
  disableTimers?: boolean;
  /**
   * Opens `port` warming up: until {@link LocalHost.ready} it answers every request 503 with
   * Retry-After, while the app runs (queues, timers) and `warmUpUrl` serves the starter's own
   * requests. So whoever polls the port sees the app only once the starter has loaded what
   * it must (`npm start`: the demo tenants and their feedback).
   */
  warmUp?: boolean;
}

export interface LocalHost {
  /** e.g. `http://127.0.0.1:7071`, without the route prefix. */
  url: string;
  port: number;
  /** Exactly what `@azure/functions` registered, as the Azure host would receive it. */
  registrations: ReadonlyArray<{ name: string; bindings: Record<string, unknown>; retryOptions?: unknown }>;
  /** With `warmUp`, until {@link ready}: a second listener on a free port that serves already. */
  readonly warmUpUrl: string | undefined;
  /** Ends the warm-up: `url` serves, the warm-up listener closes. Nothing to do without `warmUp`. */
  ready(): Promise<void>;
  /** Stops the server, pollers and timers, and waits for in-flight invocations. */
  stop(): Promise<void>;
}

const SUPPORTED_TRIGGERS = new Set(['httptrigger', 'queuetrigger', 'timertrigger']);
const SUPPORTED_OUTPUTS = new Set(['http', 'queue']);

function warnAboutUnsupported(registrations: readonly Registration[], warn: LogLine): void {
  for (const registration of registrations) {
    const trigger = triggerOf(registration);
    if (!SUPPORTED_TRIGGERS.has(trigger.type)) {
      warn(
        `Function "${registration.name}": ${String(trigger.binding.type)} is never triggered locally (admin API only)`,
      );
    }
    for (const [name, binding] of Object.entries(bindingsOf(registration))) {
      const type = String(binding.type).toLowerCase();
      if (name === trigger.bindingName) continue;
      if (binding.direction === 'out' && !SUPPORTED_OUTPUTS.has(type)) {
        warn(`Function "${registration.name}": output "${name}" (${type}) is dropped by the local host`);
      } else if (binding.direction !== 'out') {
        warn(
          `Function "${registration.name}": input "${name}" (${type}) arrives undefined in the local host`,
        );
      }
    }
  }
}

/** The app's host id, like Azure derives one from the site name; it keys the timer status. */
function hostIdOf(appDir: string): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(appDir, 'package.json'), 'utf8')) as { name?: unknown };
  return typeof pkg.name === 'string' && pkg.name !== '' ? pkg.name : path.basename(appDir);
}

/**
 * Serves an Azure Functions (Node v4 model) app locally against real storage (Azurite):
 * HTTP routes, queue and timer triggers, and the admin API, all invoked through the
 * library's own programming model. One process hosts one app, because Node's module cache
 * (and with it the library's registrations) is process-wide: to get a fresh host, start a
 * process (`tsx tools/local-host/main.ts`). Stopping and starting the same app again works.
 */
export async function startLocalHost(options: LocalHostOptions): Promise<LocalHost> {
  Object.assign(process.env, options.env ?? {});
  // Each line with its time, as Core Tools prints them.
  const log: LogLine = options.log ?? ((line) => console.log(`[${new Date().toISOString()}] ${line}`));
  const warn: LogLine = (message) => log(`[host] warning: ${message}`);

  const app = await loadApp(options.appDir);
  const config = readHostConfig(app.appDir);
  const registrations = app.registrations;
  warnAboutUnsupported(registrations, warn);

  const invoker = new Invoker(app, log, new QueueOutputWriter(process.env, config.queues));
  const routes = new RouteTable(registrations, warn);
  const queueListeners = new Map<string, QueueListener>();
  const timers = new Map<string, TimerListener>();
  for (const registration of registrations) {
    const type = triggerOf(registration).type;
    if (type === 'queuetrigger') {
      queueListeners.set(
        registration.name,
        new QueueListener(registration, config.queues, invoker, log, process.env),
      );
    } else if (type === 'timertrigger') {
      timers.set(registration.name, new TimerListener(registration, invoker, log, process.env));
    }
  }

  const runNow = (registration: Registration, input: string): Promise<unknown> => {
    const queue = queueListeners.get(registration.name);
    if (queue) return queue.invokeDirect(input);
    const timer = timers.get(registration.name);
    if (timer) return timer.invokeNow();
    const trigger = triggerOf(registration);
    return invoker.invoke(
      registration,
      { inputData: [{ name: trigger.bindingName, data: { string: input } }], triggerMetadata: {} },
      'This function was programmatically called via the host APIs.',
    );
  };

  await invoker.runAppHooks('appStart');
  let server: HttpHost | undefined;
  let warmingUp = options.warmUp === true;
  let warmUpServer: HttpHost | undefined;
  const started: { stop(): Promise<void> }[] = [];
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      const closing = Promise.all([server?.close(), warmUpServer?.close()]);
      await Promise.allSettled(started.map((listener) => listener.stop()));
      await invoker.drain();
      await closing;
      await invoker
        .runAppHooks('appTerminate')
        .catch((error: unknown) => warn(`appTerminate: ${errorMessage(error)}`));
    })());

  try {
    const serving = { routePrefix: config.routePrefix, routes, registrations, invoker, runNow, log };
    server = await startHttpServer({ ...serving, port: options.port ?? 0, warmingUp: () => warmingUp });
    if (warmingUp) warmUpServer = await startHttpServer({ ...serving, port: 0 });
    if (!options.disableQueues) {
      for (const listener of queueListeners.values()) {
        await listener.start();
        started.push(listener);
      }
    }
    if (!options.disableTimers && timers.size > 0) {
      const monitored = [...timers.values()].filter((t) => t.usesMonitor);
      // Without reachable storage, timers still run; only past-due detection waits for the next start.
      const monitor =
        monitored.length > 0
          ? await ScheduleMonitor.open(
              connectionStringFor(undefined, process.env),
              hostIdOf(app.appDir),
            ).catch((error: unknown) => {
              warn(
                `timer schedule monitor unavailable (${errorMessage(error)}); isPastDue is not tracked this run`,
              );
              return undefined;
            })
          : undefined;
      for (const timer of timers.values()) {
        await timer.start(monitor);
        started.push(timer);
      }
    }
  } catch (error) {
    await stop();
    throw error;
  }

  const url = `http://127.0.0.1:${server.port}`;
  const prefix = config.routePrefix === '' ? '' : `/${config.routePrefix}`;
  log(`Functions (${registrations.length}):`);
  for (const route of routes.routes) {
    log(
      `  ${route.registration.name}: [${[...route.methods].join(',')}] ${url}${prefix}/${route.compiled.template}`,
    );
  }
  for (const registration of registrations) {
    const type = triggerOf(registration).type;
    if (type !== 'httptrigger') log(`  ${registration.name}: ${type}`);
  }

  if (warmUpServer) log(`Warming up: ${url} answers 503 until the starter is ready`);

  return {
    url,
    port: server.port,
    registrations,
    get warmUpUrl() {
      return warmUpServer && `http://127.0.0.1:${warmUpServer.port}`;
    },
    async ready() {
      warmingUp = false;
      const closing = warmUpServer;
      warmUpServer = undefined;
      await closing?.close();
    },
    stop,
  };
}
