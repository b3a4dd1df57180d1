import type { z } from 'zod';

/** CallSpec describes one request/response call: zod schemas for both directions and a summary. */
export interface CallSpec<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  readonly summary: string;
  readonly input: I;
  readonly output: O;
}

/** EventSpec describes one event the main process pushes to every front door. */
export interface EventSpec<P extends z.ZodType = z.ZodType> {
  readonly summary: string;
  readonly payload: P;
}

/** defineCall keeps the literal schema types so names, inputs and outputs are inferred. */
export function defineCall<I extends z.ZodType, O extends z.ZodType>(
  spec: CallSpec<I, O>,
): CallSpec<I, O> {
  return spec;
}

/** defineEvent keeps the literal payload schema type. */
export function defineEvent<P extends z.ZodType>(spec: EventSpec<P>): EventSpec<P> {
  return spec;
}
