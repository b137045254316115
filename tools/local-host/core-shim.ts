import Module from 'node:module';
import type {
  Disposable,
  FunctionCallback,
  FunctionMetadata,
  HookCallback,
  ProgrammingModel,
  RpcLogLevel,
} from './rpc';

/** What the app handed to the host while it was being loaded. */
export interface CapturedApp {
  readonly model: ProgrammingModel | undefined;
  /** In registration order, like the worker reports them to the host. */
  readonly functions: ReadonlyMap<string, { metadata: FunctionMetadata; handler: FunctionCallback }>;
  readonly hooks: ReadonlyMap<HookName, readonly HookCallback[]>;
  /** Where the library's own system logs (`workerSystemLog`) go; replaceable once the host has a logger. */
  systemLog: (level: RpcLogLevel, message: string) => void;
}

export const CORE_MODULE = '@azure/functions-core';

const HOOK_NAMES = ['appStart', 'appTerminate', 'preInvocation', 'postInvocation', 'log'] as const;
export type HookName = (typeof HOOK_NAMES)[number];

interface ModuleInternals {
  _load: (this: unknown, request: string, parent: unknown, isMain: boolean) => unknown;
  _resolveFilename: (
    this: unknown,
    request: string,
    parent: unknown,
    isMain: boolean,
    options?: unknown,
  ) => string;
}

let captured: CapturedApp | undefined;

/**
 * Makes `require('@azure/functions-core')` answer with a recording host API, the way the
 * Azure worker does. It must run before the app's first `app.*` call: the library looks the
 * module up once and caches a failure forever (it then silently switches to "test mode").
 * Idempotent: the module cache is process-wide, so there is one capture per process.
 */
export function installCoreShim(): CapturedApp {
  if (captured) return captured;

  let model: ProgrammingModel | undefined;
  const functions = new Map<string, { metadata: FunctionMetadata; handler: FunctionCallback }>();
  const hooks = new Map<HookName, HookCallback[]>(HOOK_NAMES.map((name) => [name, []]));

  const state: CapturedApp = {
    get model() {
      return model;
    },
    functions,
    hooks,
    systemLog: () => {},
  };

  const coreApi = {
    setProgrammingModel(programmingModel: ProgrammingModel): void {
      if (model) throw new Error('The programming model has already been set; only one app per process.');
      model = programmingModel;
    },
    getProgrammingModel(): ProgrammingModel | undefined {
      return model;
    },
    registerFunction(metadata: FunctionMetadata, handler: FunctionCallback): Disposable {
      // Function names are case-insensitive in Azure, so "Foo" and "foo" collide there too.
      const clash = [...functions.keys()].find((name) => name.toLowerCase() === metadata.name.toLowerCase());
      if (clash !== undefined) {
        throw new Error(`A function named "${metadata.name}" has already been registered.`);
      }
      functions.set(metadata.name, { metadata, handler });
      return { dispose: () => void functions.delete(metadata.name) };
    },
    registerHook(hookName: string, callback: HookCallback): Disposable {
      const list = hooks.get(hookName as HookName);
      if (!list) {
        // The library recognises an unsupported hook by this shape (see registerHook.ts).
        throw Object.assign(new RangeError(`Unrecognized hook "${hookName}"`), {
          isAzureFunctionsSystemError: true,
        });
      }
      list.push(callback);
      return {
        dispose: () => {
          const index = list.indexOf(callback);
          if (index >= 0) list.splice(index, 1);
        },
      };
    },
    log(level: RpcLogLevel, _category: string, message: string): void {
      state.systemLog(level, message);
    },
  };

  const internals = Module as unknown as ModuleInternals;
  const originalLoad = internals._load;
  const originalResolve = internals._resolveFilename;
  internals._load = function (request, parent, isMain) {
    if (request === CORE_MODULE) return coreApi;
    return originalLoad.call(this, request, parent, isMain);
  };
  // Lets `require.resolve('@azure/functions-core')` succeed like under the worker.
  internals._resolveFilename = function (request, parent, isMain, options) {
    if (request === CORE_MODULE) return CORE_MODULE;
    return originalResolve.call(this, request, parent, isMain, options);
  };

  captured = state;
  return state;
}
