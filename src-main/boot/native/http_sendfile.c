/*
 * http_sendfile: sends a byte range of a file to a connected TCP socket with sendfile(2) on a
 * thread of its own, and reports the outcome to JavaScript once.
 *
 * Why native code: Node has no sendfile for sockets, so every byte of a boot image otherwise goes
 * kernel -> user buffer -> kernel, plus a JavaScript callback per chunk; nginx serves the same file
 * with sendfile and no copy. No library offers this. The HTTP response's headers are written by
 * node:http before the transfer starts and its end after it, so this file only moves body bytes.
 *
 * Both descriptors are this transfer's own duplicates, taken synchronously at start: Node closing
 * its socket or file handle can never make the thread write to a descriptor number reused since.
 * The socket stays non-blocking (a duplicate shares Node's file status flags); when it is full the
 * thread polls for POLLOUT together with an eventfd that abortSendfile signals. A client that takes
 * nothing for `stallTimeoutMs` ends the transfer. The thread never touches libuv's thread pool,
 * which 20 slow clients would otherwise hold. Linux only.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* pthread_setname_np */
#endif
#include "addon.h"
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __linux__
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/eventfd.h>
#include <sys/sendfile.h>
#include <time.h>
#include <unistd.h>

/* The most one sendfile call moves (Linux caps a call at 0x7ffff000 bytes anyway). */
#define MAX_CALL ((uint64_t)1 << 30)

enum outcome { OUT_COMPLETE, OUT_ABORTED, OUT_DISCONNECTED, OUT_ERROR };
static const char *const outcome_names[] = {"complete", "aborted", "disconnected", "error"};

struct handle;

typedef struct job {
  int sock;   /* our own duplicate of Node's socket */
  int file;   /* our own duplicate of the file descriptor */
  int wakeup; /* eventfd written by abortSendfile */
  uint64_t offset, length, sent;
  double stall_ms;
  /* Results, read on the JS thread after the worker is done. */
  enum outcome outcome;
  char detail[256];
  atomic_int stop;
  napi_threadsafe_function tsfn;
  struct handle *handle; /* main thread only */
} job_t;

/* What JavaScript holds; outlives or predeceases the job, both on the main thread. */
typedef struct handle {
  job_t *job;
} handle_t;

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static enum outcome fail(job_t *j, const char *what, int err) {
  snprintf(j->detail, sizeof j->detail, "%s: %s", what, strerror(err));
  return err == EPIPE || err == ECONNRESET ? OUT_DISCONNECTED : OUT_ERROR;
}

/* Waits until the socket takes more bytes: 1 when it does, 0 on abort or stall, -1 on error. */
static int wait_writable(job_t *j, double last_progress, enum outcome *out) {
  for (;;) {
    double left = j->stall_ms - (now_ms() - last_progress);
    if (left <= 0) {
      snprintf(j->detail, sizeof j->detail, "the client took nothing for %g s",
               j->stall_ms / 1000);
      *out = OUT_ERROR;
      return 0;
    }
    struct pollfd fds[2] = {{j->sock, POLLOUT, 0}, {j->wakeup, POLLIN, 0}};
    int n = poll(fds, 2, (int)(left + 1));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      *out = fail(j, "poll", errno);
      return -1;
    }
    if (atomic_load(&j->stop) || (fds[1].revents & POLLIN)) {
      *out = OUT_ABORTED;
      return 0;
    }
    if (fds[0].revents & (POLLOUT | POLLERR | POLLHUP)) return 1; /* sendfile reports the error */
  }
}

static enum outcome run(job_t *j) {
  off_t position = (off_t)j->offset;
  double last_progress = now_ms();
  while (j->sent < j->length) {
    if (atomic_load(&j->stop)) return OUT_ABORTED;
    uint64_t left = j->length - j->sent;
    ssize_t n = sendfile(j->sock, j->file, &position, (size_t)(left < MAX_CALL ? left : MAX_CALL));
    if (n > 0) {
      j->sent += (uint64_t)n;
      last_progress = now_ms();
      continue;
    }
    if (n == 0) {
      snprintf(j->detail, sizeof j->detail, "file shrank while being served");
      return OUT_ERROR;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return fail(j, "sendfile", errno);
    enum outcome out = OUT_ERROR;
    int ready = wait_writable(j, last_progress, &out);
    if (ready <= 0) return out;
  }
  return OUT_COMPLETE;
}

static void close_fds(job_t *j) {
  if (j->sock >= 0) close(j->sock);
  if (j->file >= 0) close(j->file);
  if (j->wakeup >= 0) close(j->wakeup);
  j->sock = j->file = j->wakeup = -1;
}

static void *worker(void *arg) {
  job_t *j = arg;
  /* Named so that a running transfer shows in top -H and /proc/PID/task/x/comm. */
  pthread_setname_np(pthread_self(), "http-sendfile");
  /* sendfile has no MSG_NOSIGNAL: a SIGPIPE it raises stays pending on this thread and vanishes
     with it (EPIPE ends the transfer), whether or not the embedding process ignores SIGPIPE.
     Other signals are left to the process's own threads. */
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, NULL);
  j->outcome = run(j);
  /* An error that came from the abort itself is not the transfer's failure. */
  if (atomic_load(&j->stop)) j->outcome = OUT_ABORTED;
  /* call_js frees `j` on the JS thread, possibly before the call below returns: from here on only
     the local copy of the function handle may be used. The wake-up descriptor stays open until
     then, because abortSendfile may still write to it. */
  close(j->sock);
  close(j->file);
  j->sock = j->file = -1;
  napi_threadsafe_function tsfn = j->tsfn;
  napi_call_threadsafe_function(tsfn, j, napi_tsfn_blocking);
  napi_release_threadsafe_function(tsfn, napi_tsfn_release);
  return NULL;
}

static void free_job(job_t *j) {
  close_fds(j);
  free(j);
}

static void set_number(napi_env env, napi_value obj, const char *name, double value) {
  napi_value v;
  napi_create_double(env, value, &v);
  napi_set_named_property(env, obj, name, v);
}

/* Runs on the JS thread once the worker is done: detach the handle, report, free. */
static void call_js(napi_env env, napi_value callback, void *context, void *data) {
  (void)context;
  job_t *j = data;
  if (j->handle != NULL) j->handle->job = NULL;
  if (env != NULL && callback != NULL) {
    napi_value result, outcome, detail, undefined;
    napi_create_object(env, &result);
    napi_create_string_utf8(env, outcome_names[j->outcome], NAPI_AUTO_LENGTH, &outcome);
    napi_set_named_property(env, result, "outcome", outcome);
    set_number(env, result, "bytesSent", (double)j->sent);
    napi_create_string_utf8(env, j->detail, NAPI_AUTO_LENGTH, &detail);
    napi_set_named_property(env, result, "detail", detail);
    napi_get_undefined(env, &undefined);
    napi_call_function(env, undefined, callback, 1, &result, NULL);
  }
  free_job(j);
}

static void finalize_handle(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  handle_t *h = data;
  if (h->job != NULL) h->job->handle = NULL;
  free(h);
}

static int get_double(napi_env env, napi_value obj, const char *name, double *out) {
  napi_value v;
  return napi_get_named_property(env, obj, name, &v) == napi_ok &&
                 napi_get_value_double(env, v, out) == napi_ok
             ? 0
             : -1;
}

/* A whole number in [min, max] (doubles hold integers exactly up to 2^53). */
static int in_range(double v, double min, double max) {
  return v >= min && v <= max && v == (double)(int64_t)v;
}

/*
 * startSendfile({ socketFd, fileFd, offset, length, stallTimeoutMs }, done): duplicates both
 * descriptors, starts the transfer on its own thread and returns a handle for abortSendfile.
 * `done` is called once with { outcome, bytesSent, detail }.
 */
static napi_value start_sendfile(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_valuetype type;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2 ||
      napi_typeof(env, argv[1], &type) != napi_ok || type != napi_function) {
    napi_throw_type_error(env, NULL, "startSendfile(options, done) needs two arguments");
    return NULL;
  }
  double socket_fd, file_fd, offset, length, stall_ms;
  if (get_double(env, argv[0], "socketFd", &socket_fd) != 0 ||
      get_double(env, argv[0], "fileFd", &file_fd) != 0 ||
      get_double(env, argv[0], "offset", &offset) != 0 ||
      get_double(env, argv[0], "length", &length) != 0 ||
      get_double(env, argv[0], "stallTimeoutMs", &stall_ms) != 0) {
    napi_throw_type_error(env, NULL, "startSendfile: an option is missing or of the wrong type");
    return NULL;
  }
  const double max_size = 9007199254740991.0; /* Number.MAX_SAFE_INTEGER */
  if (!in_range(socket_fd, 0, 0x7fffffff) || !in_range(file_fd, 0, 0x7fffffff) ||
      !in_range(offset, 0, max_size) || !in_range(length, 0, max_size) || stall_ms < 1 ||
      stall_ms > 24 * 3600 * 1000.0) {
    napi_throw_range_error(env, NULL, "startSendfile: an option is out of range");
    return NULL;
  }
  job_t *j = calloc(1, sizeof *j);
  if (j == NULL) return addon_throw_errno(env, "calloc", ENOMEM);
  j->sock = fcntl((int)socket_fd, F_DUPFD_CLOEXEC, 0);
  int err = j->sock < 0 ? errno : 0;
  if (err == 0) {
    j->file = fcntl((int)file_fd, F_DUPFD_CLOEXEC, 0);
    err = j->file < 0 ? errno : 0;
  } else {
    j->file = -1;
  }
  if (err == 0) {
    j->wakeup = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    err = j->wakeup < 0 ? errno : 0;
  } else {
    j->wakeup = -1;
  }
  if (err != 0) {
    free_job(j);
    return addon_throw_errno(env, "startSendfile", err);
  }
  j->offset = (uint64_t)offset;
  j->length = (uint64_t)length;
  j->stall_ms = stall_ms;
  napi_value name;
  napi_create_string_utf8(env, "labboot-http-sendfile", NAPI_AUTO_LENGTH, &name);
  if (napi_create_threadsafe_function(env, argv[1], NULL, name, 0, 1, NULL, NULL, NULL, call_js,
                                      &j->tsfn) != napi_ok) {
    free_job(j);
    napi_throw_error(env, NULL, "startSendfile: cannot create the completion callback");
    return NULL;
  }
  handle_t *h = malloc(sizeof *h);
  napi_value external;
  if (h == NULL || napi_create_external(env, h, finalize_handle, NULL, &external) != napi_ok) {
    free(h);
    napi_release_threadsafe_function(j->tsfn, napi_tsfn_abort);
    free_job(j);
    return addon_throw_errno(env, "malloc", ENOMEM);
  }
  h->job = j;
  j->handle = h;
  err = addon_start_detached(worker, j, 64 * 1024);
  if (err != 0) {
    h->job = NULL;
    napi_release_threadsafe_function(j->tsfn, napi_tsfn_abort);
    free_job(j);
    return addon_throw_errno(env, "pthread_create", err);
  }
  return external;
}

/* abortSendfile(handle): asks a running transfer to stop; `done` then reports "aborted". */
static napi_value abort_sendfile(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  void *data = NULL;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 ||
      napi_get_value_external(env, argv[0], &data) != napi_ok) {
    napi_throw_type_error(env, NULL, "abortSendfile(handle) needs a transfer handle");
    return NULL;
  }
  handle_t *h = data;
  if (h->job != NULL) {
    atomic_store(&h->job->stop, 1);
    uint64_t one = 1;
    /* Wakes the poll; the eventfd stays open until the job is freed on this thread. */
    ssize_t written = write(h->job->wakeup, &one, sizeof one);
    (void)written;
  }
  return NULL;
}

void http_sendfile_register(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"startSendfile", NULL, start_sendfile, NULL, NULL, NULL, napi_default, NULL},
      {"abortSendfile", NULL, abort_sendfile, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
#else
void http_sendfile_register(napi_env env, napi_value exports) {
  (void)env;
  (void)exports; /* Not offered: BootHttpServer streams through its buffers. */
}
#endif
