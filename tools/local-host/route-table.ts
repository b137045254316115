import { triggerOf, type Registration } from './registrations';
import { comparePrecedence, compileTemplate, matchTemplate, type CompiledTemplate } from './routes';

/** What `app.http` leaves out is filled in by the library already; this covers `app.generic`. */
const DEFAULT_METHODS = ['GET', 'POST'];

export interface HttpRoute {
  readonly registration: Registration;
  readonly compiled: CompiledTemplate;
  readonly methods: ReadonlySet<string>;
}

export type RouteMatch =
  | { readonly kind: 'match'; readonly route: HttpRoute; readonly params: Record<string, string> }
  /** The path exists but no function accepts the method. */
  | { readonly kind: 'method-mismatch' }
  | { readonly kind: 'none' };

function methodsOf(registration: Registration, raw: unknown): Set<string> {
  if (raw === undefined || raw === null) return new Set(DEFAULT_METHODS);
  if (!Array.isArray(raw) || raw.some((m) => typeof m !== 'string')) {
    throw new Error(`Function "${registration.name}": "methods" must be a list of strings`);
  }
  return new Set((raw as string[]).map((m) => m.toUpperCase()));
}

/** The HTTP functions ordered by ASP.NET route precedence (literal segments before parameters). */
export class RouteTable {
  readonly routes: readonly HttpRoute[];

  constructor(registrations: readonly Registration[], warn: (message: string) => void) {
    const routes: HttpRoute[] = [];
    for (const registration of registrations) {
      const trigger = triggerOf(registration);
      if (trigger.type !== 'httptrigger') continue;
      const template = typeof trigger.binding.route === 'string' ? trigger.binding.route : registration.name;
      const compiled = compileTemplate(template, (spec) =>
        warn(`Function "${registration.name}": route constraint "${spec}" is not checked by the local host`),
      );
      routes.push({ registration, compiled, methods: methodsOf(registration, trigger.binding.methods) });
    }
    routes.sort((a, b) => comparePrecedence(a.compiled, b.compiled));
    for (let i = 0; i < routes.length; i++) {
      for (let j = i + 1; j < routes.length; j++) {
        const a = routes[i]!;
        const b = routes[j]!;
        if (a.compiled.shape === b.compiled.shape && [...a.methods].some((m) => b.methods.has(m))) {
          // ASP.NET would answer such requests with an ambiguous-match error; fail before serving.
          throw new Error(
            `Functions "${a.registration.name}" and "${b.registration.name}" both serve route "${a.compiled.template}"`,
          );
        }
      }
    }
    this.routes = routes;
  }

  /**
   * Like ASP.NET, a route whose method does not fit is skipped and the next candidate is tried,
   * so `GET things/dismiss` can still reach `things/{id}`.
   */
  match(method: string, pathSegments: readonly string[]): RouteMatch {
    let pathMatched = false;
    for (const route of this.routes) {
      const params = matchTemplate(route.compiled, pathSegments);
      if (!params) continue;
      if (route.methods.has(method.toUpperCase())) return { kind: 'match', route, params };
      pathMatched = true;
    }
    return pathMatched ? { kind: 'method-mismatch' } : { kind: 'none' };
  }
}
