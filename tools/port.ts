/**
 * `npm start`'s PORT: the local host's port. Checked before anything starts, so that a bad
 * value is refused with its name rather than with Node's `options.port` error after the
 * embedded Azurite is already up.
 */
export const DEFAULT_PORT = 7071;

/** The port PORT names: unset or empty = 7071, 0 = any free port; anything else is refused. */
export function portFrom(value: string | undefined): number {
  if (value === undefined || value === '') return DEFAULT_PORT;
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) {
    throw new Error(`PORT must be a port number from 0 to 65535 (got "${value}")`);
  }
  return Number(value);
}

/** A listen error as an operator can act on it: a taken port names PORT; others pass through. */
export function listenError(error: unknown, port: number): unknown {
  if ((error as { code?: unknown } | null)?.code === 'EADDRINUSE') {
    return new Error(
      `Port ${port} is already in use (another npm start?): stop what listens there, or set PORT to another port`,
    );
  }
  return error;
}
