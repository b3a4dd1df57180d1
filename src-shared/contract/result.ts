import { z } from 'zod';

/** ApiError is what a failed call returns; `code` is stable, `message` is for people. */
export const apiErrorSchema = z.object({
  code: z.string(),
  message: z.string(),
});
export type ApiError = z.infer<typeof apiErrorSchema>;

/** CallResult is the envelope every transport returns, never a thrown exception. */
export type CallResult<T> = { ok: true; value: T } | { ok: false; error: ApiError };

/** Error codes the dispatcher itself produces (services add their own via UserError). */
export const dispatchErrorCodes = {
  unknownCall: 'unknown-call',
  badInput: 'bad-input',
  internal: 'internal',
} as const;
