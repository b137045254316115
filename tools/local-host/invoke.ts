import { randomUUID } from 'node:crypto';
import type { LoadedApp } from './app-loader';
import type { HookName } from './core-shim';
import type { QueueOutputWriter } from './queue-output';
import type { Registration } from './registrations';
import type { CoreInvocationContext, CoreInvocationRequest, RpcInvocationResponse, RpcLogLevel } from './rpc';

export type LogLine = (line: string) => void;

/** The message of anything thrown, never its stack: stacks and payloads may carry secrets. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return typeof error === 'string' ? error : 'Non-error value thrown';
}

const QUIET_LEVELS: ReadonlySet<RpcLogLevel> = new Set(['trace', 'debug', 'none']);

/**
 * Runs functions through the library's own programming model, in the order the Azure Node
 * worker does: `getArguments` → preInvocation hooks → `invokeFunction` → postInvocation hooks →
 * `getResponse`; then writes queue outputs. Tracks every invocation so `drain()` can wait.
 */
export class Invoker {
  readonly #inFlight = new Set<Promise<unknown>>();
  readonly #appHookData: Record<string, unknown> = {};

  constructor(
    private readonly app: LoadedApp,
    private readonly log: LogLine,
    private readonly outputs: QueueOutputWriter,
  ) {
    app.captured.systemLog = (level, message) => {
      if (!QUIET_LEVELS.has(level)) this.log(`[host] ${level}: ${message}`);
    };
  }

  /** Resolves with the library's RPC response; rejects with the function's own error. */
  invoke(
    registration: Registration,
    request: CoreInvocationRequest,
    reason: string,
  ): Promise<RpcInvocationResponse> {
    const run = this.#run(registration, request, reason);
    this.#inFlight.add(run);
    const forget = (): void => void this.#inFlight.delete(run);
    run.then(forget, forget);
    return run;
  }

  /** Waits for every invocation started so far (and any they start meanwhile). */
  async drain(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  async runAppHooks(name: Extract<HookName, 'appStart' | 'appTerminate'>): Promise<void> {
    for (const hook of this.app.captured.hooks.get(name) ?? []) {
      await hook({ hookData: {}, appHookData: this.#appHookData, functionAppDirectory: this.app.appDir });
    }
  }

  async #run(
    registration: Registration,
    request: CoreInvocationRequest,
    reason: string,
  ): Promise<RpcInvocationResponse> {
    const invocationId = randomUUID();
    const started = Date.now();
    let handler = this.app.handlers.get(registration.name);
    const metadata = this.app.captured.functions.get(registration.name)?.metadata;
    if (!handler || !metadata) throw new Error(`Function "${registration.name}" is not loaded`);

    const prefix = `[${registration.name}] [${invocationId}]`;
    let invocationContext: unknown;
    const coreCtx: CoreInvocationContext = {
      invocationId,
      request,
      metadata,
      log: (level, category, message) => this.#log(prefix, level, category, message, invocationContext),
    };
    this.log(`Executing 'Functions.${registration.name}' (Reason='${reason}', Id=${invocationId})`);
    try {
      const model = this.app.model.getInvocationModel(coreCtx);
      const { context, inputs } = await model.getArguments();
      invocationContext = context;
      const hookData: Record<string, unknown> = {};

      const pre = {
        hookData,
        appHookData: this.#appHookData,
        invocationContext: context,
        inputs,
        functionCallback: handler,
      };
      coreCtx.state = 'preInvocationHooks';
      for (const hook of this.app.captured.hooks.get('preInvocation') ?? []) await hook(pre);
      handler = pre.functionCallback;

      coreCtx.state = 'invocation';
      let result: unknown;
      let error: unknown;
      try {
        result = await model.invokeFunction(context, pre.inputs, handler);
      } catch (err) {
        error = err;
      }

      const post = {
        hookData,
        appHookData: this.#appHookData,
        invocationContext: context,
        inputs: pre.inputs,
        result,
        error,
      };
      coreCtx.state = 'postInvocationHooks';
      for (const hook of this.app.captured.hooks.get('postInvocation') ?? []) await hook(post);
      if (post.error !== undefined && post.error !== null) {
        throw post.error instanceof Error ? post.error : new Error(errorMessage(post.error));
      }

      const response = await model.getResponse(context, post.result);
      await this.outputs.write(registration, response);
      this.log(
        `Executed 'Functions.${registration.name}' (Succeeded, Id=${invocationId}, Duration=${Date.now() - started}ms)`,
      );
      return response;
    } catch (err) {
      this.log(
        `Executed 'Functions.${registration.name}' (Failed, Id=${invocationId}, Duration=${Date.now() - started}ms): ${errorMessage(err)}`,
      );
      throw err;
    }
  }

  #log(
    prefix: string,
    level: RpcLogLevel,
    category: string,
    message: string,
    invocationContext: unknown,
  ): void {
    const hooks = this.app.captured.hooks.get('log') ?? [];
    const entry = { hookData: {}, level, message, category, invocationContext };
    for (const hook of hooks) {
      try {
        // Log hooks are synchronous in the worker; a throwing hook must not break the invocation.
        const result = hook(entry);
        if (result instanceof Promise) result.catch(() => {});
      } catch {
        // ignored on purpose, as in the worker
      }
    }
    if (category === 'system' && QUIET_LEVELS.has(entry.level)) return;
    const label = entry.level === 'information' ? '' : `${entry.level}: `;
    this.log(`${prefix} ${label}${entry.message}`);
  }
}
