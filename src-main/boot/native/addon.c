/*
 * labboot_native: the jobs Node cannot do well enough by itself, each in its own file.
 * - netdev.c: UDP sockets pinned to one network interface, for DHCP.
 * - tftp_transfer.c: TFTP read transfers on a blocking thread each, for lock-step speed.
 * - http_sendfile.c: HTTP file bodies sent with sendfile(2) on a thread each, without copies.
 */
#include "addon.h"
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

napi_value addon_throw_errno(napi_env env, const char *what, int err) {
  char msg[256];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
  const char *code = err == EPERM          ? "EPERM"
                     : err == EACCES       ? "EACCES"
                     : err == EADDRINUSE   ? "EADDRINUSE"
                     : err == EADDRNOTAVAIL ? "EADDRNOTAVAIL"
                     : err == ENODEV       ? "ENODEV"
                     : err == EINVAL       ? "EINVAL"
                     : err == ENOTSUP      ? "ENOTSUP"
                     : err == EMFILE       ? "EMFILE"
                     : err == EAGAIN       ? "EAGAIN"
                                           : "EIO";
  napi_throw_error(env, code, msg);
  return NULL;
}

int addon_start_detached(void *(*run)(void *), void *arg, size_t stack_size) {
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize(&attr, stack_size);
  pthread_t thread;
  int err = pthread_create(&thread, &attr, run, arg);
  pthread_attr_destroy(&attr);
  return err;
}

static napi_value init(napi_env env, napi_value exports) {
  netdev_register(env, exports);
  tftp_transfer_register(env, exports);
  http_sendfile_register(env, exports);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
