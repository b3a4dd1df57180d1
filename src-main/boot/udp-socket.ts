/** Promise forms of dgram's bind and close, shared by the DHCP and TFTP socket layers. */
import type { BindOptions, Socket } from 'node:dgram';

/** bindSocket binds and settles once: bound, or rejected with the bind error (EADDRINUSE, EACCES…). */
export function bindSocket(socket: Socket, options: BindOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(options, () => {
      socket.off('error', reject);
      resolve();
    });
  });
}

/** closeSocket closes a dgram socket and waits for it; an already closed socket resolves at once. */
export function closeSocket(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve(); // already closed
    }
  });
}
