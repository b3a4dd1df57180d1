/**
 * waitForShutdown resolves on the first SIGINT or SIGTERM, so a long-running front door can dispose
 * its services (sockets, transfers, the database) before the process ends. A second signal while
 * disposing exits at once: a person pressing Ctrl-C twice means it.
 */
export function waitForShutdown(
  onSecondSignal: () => void = () => process.exit(130),
): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let seen = false;
    const handler = (signal: NodeJS.Signals): void => {
      if (seen) {
        onSecondSignal();
        return;
      }
      seen = true;
      resolve(signal);
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
  });
}
