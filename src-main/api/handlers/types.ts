import type {
  CallName,
  CallOutput,
  Calls,
  ParsedCallInput,
} from '../../../src-shared/contract/index';
import type { z } from 'zod';

/** Handler implements one contract call; it receives parsed input and may return unparsed output. */
export type Handler<N extends CallName> = (
  input: ParsedCallInput<N>,
) => Promise<z.input<Calls[N]['output']>> | z.input<Calls[N]['output']>;

/** HandlersFor is the handler table for a subset of calls (one domain). */
export type HandlersFor<N extends CallName> = { [K in N]: Handler<K> };

/** Handlers is the complete table: the compiler proves every contract call is implemented. */
export type Handlers = HandlersFor<CallName>;

export type { CallOutput };
