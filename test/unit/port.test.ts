import { describe, expect, it } from 'vitest';
import { listenError, portFrom } from '../../tools/port';

describe("npm start's PORT (tools/port.ts)", () => {
  it('defaults to 7071 when unset or empty, and takes a port number', () => {
    expect(portFrom(undefined)).toBe(7071);
    expect(portFrom('')).toBe(7071);
    expect(portFrom('7072')).toBe(7072);
    expect(portFrom('0')).toBe(0);
  });

  it('refuses anything else with a message naming PORT and the value', () => {
    for (const bad of ['abc', '70000', '-1', ' 7072', '7072x', '80.5']) {
      expect(() => portFrom(bad), bad).toThrow(`PORT must be a port number from 0 to 65535 (got "${bad}")`);
    }
  });

  it('turns a taken port into a message naming PORT; other errors pass through', () => {
    const taken = Object.assign(new Error('listen EADDRINUSE: address already in use 127.0.0.1:7071'), {
      code: 'EADDRINUSE',
    });
    expect(String(listenError(taken, 7071))).toMatch(/Port 7071 is already in use .*set PORT/);
    const other = new Error('boom');
    expect(listenError(other, 7071)).toBe(other);
  });
});
