import { InvalidArgumentError } from 'commander';

/** parsePort accepts 0–65535 (0 = any free port) for commander options. */
export function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isInteger(n) || n < 0 || n > 65535) {
    throw new InvalidArgumentError('expected a port number from 0 to 65535.');
  }
  return n;
}
