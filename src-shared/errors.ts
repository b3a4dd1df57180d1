/**
 * UserError is a failure a person can act on: bad input, a refused signature, a busy port.
 *
 * Its message is one sentence saying what failed, why, and what to do. The CLI prints it and exits 1;
 * the API returns it as `{ ok: false, error: { code, message } }`. Every other thrown value is a bug.
 */
export class UserError extends Error {
  readonly code: string;

  constructor(message: string, code = 'user-error') {
    super(message);
    this.name = 'UserError';
    this.code = code;
  }
}

/** isUserError tells a UserError apart from a bug, also across module copies. */
export function isUserError(value: unknown): value is UserError {
  return value instanceof Error && value.name === 'UserError' && 'code' in value;
}

/** assertNever ends an exhaustive switch; the compiler proves it is never reached. */
export function assertNever(value: never, what = 'value'): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(value)}`);
}
