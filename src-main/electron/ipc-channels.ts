/** IPC channel names; every channel carries the `labboot:` prefix and nothing else is handled. */
export const ipcChannels = {
  call: 'labboot:call',
  event: 'labboot:event',
} as const;
