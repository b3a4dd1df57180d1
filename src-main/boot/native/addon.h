/* The labboot_native Node-API module: each part registers its functions on the exports. */
#ifndef LABBOOT_ADDON_H
#define LABBOOT_ADDON_H
#include <node_api.h>

/* Throws an Error whose `code` is the errno's name (EPERM, EADDRINUSE, ...) and returns NULL. */
napi_value addon_throw_errno(napi_env env, const char *what, int err);

/* Starts `run(arg)` on a detached thread with a stack of `stack_size` bytes; returns 0 or an errno. */
int addon_start_detached(void *(*run)(void *), void *arg, size_t stack_size);

void netdev_register(napi_env env, napi_value exports);
void tftp_transfer_register(napi_env env, napi_value exports);
void http_sendfile_register(napi_env env, napi_value exports);

#endif
