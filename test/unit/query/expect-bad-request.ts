import { expect } from 'vitest';
import { AppError, toHttpStatus } from '../../../shared/errors';

/** Asserts that `run` throws a 400 AppError whose message contains every fragment. */
export function expectBadRequest(run: () => unknown, ...fragments: string[]): AppError {
  let thrown: unknown;
  try {
    run();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(AppError);
  const error = thrown as AppError;
  expect(error.code).toBe('badRequest');
  expect(toHttpStatus(error.code)).toBe(400);
  for (const fragment of fragments) expect(error.message).toContain(fragment);
  return error;
}
