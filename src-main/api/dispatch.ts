/**
 * The dispatcher is the single door every call passes through, whatever the transport: look the
 * name up in the contract, parse the input, run the handler, parse the output, and turn any failure
 * into `{ ok: false, error }`. Services never see unvalidated input.
 */
import { z } from 'zod';
import {
  calls,
  dispatchErrorCodes,
  isCallName,
  type CallName,
  type CallResult,
} from '../../src-shared/contract/index';
import { isUserError } from '../../src-shared/errors';
import type { Handlers } from './handlers/types';
import { seeTheLog, type Logger } from '../logger';

export class Dispatcher {
  constructor(
    private readonly handlers: Handlers,
    private readonly log?: Logger,
  ) {}

  /** call runs one untrusted request and always resolves with a CallResult. */
  async call(name: unknown, rawInput: unknown): Promise<CallResult<unknown>> {
    if (!isCallName(name)) {
      return failure(
        dispatchErrorCodes.unknownCall,
        `There is no call named ${JSON.stringify(name)}.`,
      );
    }
    const spec = calls[name];
    const input = spec.input.safeParse(rawInput ?? {});
    if (!input.success) {
      return failure(
        dispatchErrorCodes.badInput,
        `Invalid input for ${name}: ${z.prettifyError(input.error).replaceAll('\n', ' ')}`,
      );
    }
    try {
      const handler = this.handlers[name] as (input: unknown) => unknown;
      const value: unknown = await handler(input.data);
      const output = spec.output.safeParse(value);
      if (!output.success) {
        this.log?.error(
          'api',
          `${name} returned a value outside the contract: ${output.error.message}`,
        );
        return failure(
          dispatchErrorCodes.internal,
          `Internal error in ${name}; ${seeTheLog(this.log)}.`,
        );
      }
      return { ok: true, value: output.data };
    } catch (error) {
      if (isUserError(error)) return failure(error.code, error.message);
      this.log?.error(
        'api',
        `${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
      return failure(
        dispatchErrorCodes.internal,
        `Internal error in ${name}; ${seeTheLog(this.log)}.`,
      );
    }
  }

  /** names lists the calls this dispatcher serves (all of the contract). */
  names(): CallName[] {
    return Object.keys(calls) as CallName[];
  }
}

function failure(code: string, message: string): CallResult<never> {
  return { ok: false, error: { code, message } };
}
