import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { installCoreShim, type CapturedApp } from './core-shim';
import { globFiles } from './glob';
import type { Registration } from './registrations';
import type { FunctionCallback, ProgrammingModel } from './rpc';

export interface LoadedApp {
  readonly appDir: string;
  readonly model: ProgrammingModel;
  readonly captured: CapturedApp;
  readonly registrations: readonly Registration[];
  readonly handlers: ReadonlyMap<string, FunctionCallback>;
  readonly files: readonly string[];
}

let loaded: LoadedApp | undefined;

/**
 * Loads the app the way the Azure worker does: `package.json` `main` is a glob and every match
 * is required. Node's module cache is process-wide and the library registers each function
 * once, so a process can host exactly one app; asking again for the same folder returns the
 * first capture, asking for another folder throws.
 */
export async function loadApp(appDir: string): Promise<LoadedApp> {
  const dir = path.resolve(appDir);
  if (loaded) {
    if (loaded.appDir !== dir) {
      throw new Error(
        `This process already hosts the app in ${loaded.appDir}; start another process for ${dir}`,
      );
    }
    return loaded;
  }

  const captured = installCoreShim();
  const pkgPath = path.join(dir, 'package.json');
  const pkg = JSON.parse(fs.readFileSync(pkgPath, 'utf8')) as { main?: unknown };
  if (typeof pkg.main !== 'string' || pkg.main.trim() === '') {
    throw new Error(`${pkgPath} has no "main" entry point (a file or glob of the function files)`);
  }
  const files = globFiles(dir, pkg.main);
  if (files.length === 0) {
    // Azure refuses to start in this case too; usually the TypeScript build has not run.
    throw new Error(
      `Found zero files matching the supplied pattern "${pkg.main}" in ${dir} (run the build?)`,
    );
  }

  const requireFromApp = createRequire(pkgPath);
  for (const file of files) requireFromApp(file);

  const model = captured.model;
  if (!model || captured.functions.size === 0) {
    throw new Error(
      'No functions were registered. Either the app registers none, or "@azure/functions" was loaded ' +
        'before the local host provided "@azure/functions-core" and fell back to its test mode.',
    );
  }

  // The worker asks for capabilities once at startup; this also locks `app.setup()` like in Azure.
  const capabilities = (await model.getCapabilities?.({})) ?? {};
  if (capabilities.HttpUri) {
    throw new Error('app.setup({ enableHttpStream: true }) is not supported by the local host');
  }

  const registrations: Registration[] = [];
  const handlers = new Map<string, FunctionCallback>();
  for (const { metadata, handler } of captured.functions.values()) {
    registrations.push(
      metadata.retryOptions === undefined
        ? { name: metadata.name, bindings: metadata.bindings }
        : { name: metadata.name, bindings: metadata.bindings, retryOptions: metadata.retryOptions },
    );
    handlers.set(metadata.name, handler);
  }

  loaded = { appDir: dir, model, captured, registrations, handlers, files };
  return loaded;
}
