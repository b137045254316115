import { describe, expect, it } from 'vitest';
import type { Registration } from '../../../tools/local-host/registrations';
import { RouteTable } from '../../../tools/local-host/route-table';
import { compileTemplate, matchTemplate } from '../../../tools/local-host/routes';

const match = (template: string, path: string): Record<string, string> | undefined =>
  matchTemplate(compileTemplate(template), path.split('/').filter(Boolean));

function http(name: string, route: string | undefined, methods?: string[]): Registration {
  return {
    name,
    bindings: {
      httpTrigger1: { type: 'httpTrigger', direction: 'in', name: 'httpTrigger1', route, methods },
      $return: { type: 'http', direction: 'out', name: '$return' },
    },
  };
}

describe('route templates', () => {
  it('matches literals case-insensitively and captures parameters as sent', () => {
    expect(match('riskyUsers/{id}', 'RISKYUSERS/AbC')).toEqual({ id: 'AbC' });
    expect(match('riskyUsers/{id}', 'riskyUsers')).toBeUndefined();
    expect(match('riskyUsers/{id}', 'riskyUsers/a/b')).toBeUndefined();
  });

  it('supports optional parameters and defaults', () => {
    expect(match('items/{id?}', 'items')).toEqual({});
    expect(match('items/{id?}', 'items/3')).toEqual({ id: '3' });
    expect(match('page/{n=1}', 'page')).toEqual({ n: '1' });
  });

  it('checks known constraints', () => {
    const guid = '9f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f';
    expect(match('u/{id:guid}', `u/${guid}`)).toEqual({ id: guid });
    expect(match('u/{id:guid}', 'u/nope')).toBeUndefined();
    expect(match('n/{n:int}', 'n/-12')).toEqual({ n: '-12' });
    expect(match('n/{n:int}', 'n/1.5')).toBeUndefined();
    expect(match('n/{n:int:min(10)}', 'n/9')).toBeUndefined();
    expect(match('a/{s:alpha:length(2,3)}', 'a/abc')).toEqual({ s: 'abc' });
    expect(match('a/{s:alpha:length(2,3)}', 'a/abcd')).toBeUndefined();
    expect(match('r/{s:regex(^x\\d+$)}', 'r/X12')).toEqual({ s: 'X12' });
  });

  it('accepts unknown constraints without checking them, and reports them', () => {
    const unknown: string[] = [];
    const compiled = compileTemplate('u/{id:fancy(1)}', (spec) => unknown.push(spec));
    expect(matchTemplate(compiled, ['u', 'anything'])).toEqual({ id: 'anything' });
    expect(unknown).toEqual(['fancy(1)']);
  });

  it('supports catch-all and complex segments', () => {
    expect(match('files/{*path}', 'files/a/b/c.txt')).toEqual({ path: 'a/b/c.txt' });
    expect(match('files/{*path}', 'files')).toEqual({});
    expect(match('dl/{name}.{ext}', 'dl/report.final.pdf')).toEqual({ name: 'report', ext: 'final.pdf' });
    expect(() => compileTemplate('files/{*path}/more')).toThrow(/catch-all/);
  });
});

describe('route table', () => {
  const table = new RouteTable(
    [
      http('get-user', 'identityProtection/riskyUsers/{id}', ['GET']),
      http('dismiss', 'identityProtection/riskyUsers/dismiss', ['POST']),
      http('default', undefined),
    ],
    () => {},
  );
  const segments = (path: string): string[] => path.split('/');

  it('orders literal segments before parameters', () => {
    expect(table.routes.map((r) => r.registration.name)).toEqual(['default', 'dismiss', 'get-user']);
  });

  it('lets the literal route win for its method and falls back to the parameter route otherwise', () => {
    const post = table.match('POST', segments('identityProtection/riskyUsers/dismiss'));
    expect(post.kind === 'match' && post.route.registration.name).toBe('dismiss');
    const get = table.match('get', segments('identityProtection/riskyUsers/dismiss'));
    expect(get.kind === 'match' && get.route.registration.name).toBe('get-user');
    expect(get.kind === 'match' && get.params).toEqual({ id: 'dismiss' });
  });

  it('tells a method mismatch from an unknown path', () => {
    expect(table.match('DELETE', segments('identityProtection/riskyUsers/x')).kind).toBe('method-mismatch');
    expect(table.match('GET', segments('nothing/here')).kind).toBe('none');
  });

  it('defaults to the function name and GET + POST', () => {
    expect(table.match('GET', ['default']).kind).toBe('match');
    expect(table.match('POST', ['DEFAULT']).kind).toBe('match');
    expect(table.match('PUT', ['default']).kind).toBe('method-mismatch');
  });

  it('refuses two functions on the same route and method', () => {
    expect(
      () => new RouteTable([http('a', 'x/{id}', ['GET']), http('b', 'X/{other}', ['GET', 'POST'])], () => {}),
    ).toThrow(/both serve/);
    expect(
      () => new RouteTable([http('a', 'x/{id}', ['GET']), http('b', 'x/{id}', ['POST'])], () => {}),
    ).not.toThrow();
  });
});
