/** HttpStatusError is a non-success HTTP answer (or, for a local mirror, a missing file). */
export class HttpStatusError extends Error {
  constructor(
    readonly url: string,
    readonly status: number,
  ) {
    super(`HTTP ${status}`);
    this.name = 'HttpStatusError';
  }
}
