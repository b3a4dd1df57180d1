/*
 * tftp_transfer: carries out one TFTP read transfer (RFC 1350 lock-step, RFC 7440 windows) on a
 * thread of its own with blocking socket calls, and reports the outcome to JavaScript once.
 *
 * Why native code: in lock-step every block waits for the client's ACK, so the server's cost per
 * round trip is the transfer's speed. Node's event loop pays epoll_wait, recvmsg, a second recvmsg
 * that returns EAGAIN, sendmsg and a JavaScript callback per ACK, which held LabBoot at ~0.9x
 * tftp-hpa's blocking loop on one CPU. Here a block costs one recv (woken by the ACK; SO_RCVTIMEO is
 * the retransmission timer) and one sendmsg, plus one pread per 256 KiB. No library does this.
 *
 * The rules are session.ts's, which stays the portable engine and the reference: only a timeout
 * retransmits, a duplicate or stale ACK is dropped (no Sorcerer's Apprentice), block numbers roll
 * over past 65,535, and the timeout adapts to the measured round trip (RFC 6298) unless the client
 * fixed it (RFC 2349), and until the client's first ACK the first packet is retransmitted only
 * `maxRetriesUnconfirmed` times; after the last retransmission the transfer still waits
 * `lateAckWaitMs` for a client that resends its lost ACK on its own timer. Everything before the first packet (names, confinement, options)
 * and after the last (the boot log) stays in TypeScript. The file is read through the transfer's own
 * duplicate of the descriptor, so closing JavaScript's handle cannot pull it away. Linux only.
 */
#include "addon.h"
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __linux__
#include <netdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define READ_AHEAD (256 * 1024)
#define MAX_OACK 512

enum outcome { OUT_COMPLETE, OUT_TIMEOUT, OUT_ABORTED, OUT_ERROR, OUT_STOPPED };
static const char *const outcome_names[] = {"complete", "timeout", "aborted", "error", "stopped"};

struct handle;

typedef struct transfer {
  int sock;
  int file_fd;    /* our own dup() of the caller's descriptor; -1 when the content is in `bytes` */
  uint8_t *bytes; /* a private copy of generated content (configs are small) */
  uint64_t size;
  uint32_t blksize, windowsize;
  uint8_t oack[MAX_OACK];
  size_t oack_len; /* 0: no options accepted, DATA 1 goes first */
  double fixed_ms; /* client's timeout option, 0 when the timeout adapts */
  double rto, min_rto, max_rto;
  int max_retries;
  int max_retries_unconfirmed; /* before the client's first ACK */
  double late_ack_wait_ms;     /* after the last retry, for a client resending its lost ACK */
  uint8_t *chunk; /* read-ahead window of the file */
  uint64_t chunk_start;
  size_t chunk_len;
  /* Results, read on the JS thread after the worker is done. */
  enum outcome outcome;
  uint64_t acked, data_packets, retransmissions;
  char detail[320];
  atomic_int stop;
  atomic_int confirmed; /* set by the worker at the first ACK; read by tftpTransferConfirmed */
  napi_threadsafe_function tsfn;
  struct handle *handle; /* main thread only */
} transfer_t;

/* What JavaScript holds; outlives or predeceases the transfer, both on the main thread. */
typedef struct handle {
  transfer_t *t;
} handle_t;

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Points *out at block `block` (1-based) and sets *len; reads ahead from the file as needed. */
static int block_data(transfer_t *t, uint64_t block, const uint8_t **out, size_t *len) {
  uint64_t start = (block - 1) * t->blksize;
  uint64_t end = start + t->blksize < t->size ? start + t->blksize : t->size;
  *len = end > start ? (size_t)(end - start) : 0;
  if (*len == 0) {
    *out = NULL;
    return 0;
  }
  if (t->bytes != NULL) {
    *out = t->bytes + start;
    return 0;
  }
  if (start < t->chunk_start || end > t->chunk_start + t->chunk_len) {
    uint64_t want = t->size - start < READ_AHEAD ? t->size - start : READ_AHEAD;
    size_t got = 0;
    while (got < want) {
      ssize_t n = pread(t->file_fd, t->chunk + got, (size_t)(want - got), (off_t)(start + got));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        snprintf(t->detail, sizeof t->detail, "read failed: %s", strerror(errno));
        return -1;
      }
      if (n == 0) {
        snprintf(t->detail, sizeof t->detail, "read failed: file shrank while being served");
        return -1;
      }
      got += (size_t)n;
    }
    t->chunk_start = start;
    t->chunk_len = got;
  }
  *out = t->chunk + (start - t->chunk_start);
  return 0;
}

/* Sends one datagram. A full queue counts as loss (the timer resends); anything else ends it. */
static int send_iov(transfer_t *t, struct iovec *iov, int count) {
  struct msghdr msg;
  memset(&msg, 0, sizeof msg);
  msg.msg_iov = iov;
  msg.msg_iovlen = (size_t)count;
  for (;;) {
    if (sendmsg(t->sock, &msg, MSG_NOSIGNAL) >= 0) return 0;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) return 0;
    snprintf(t->detail, sizeof t->detail, "send %s", strerror(errno));
    return -1;
  }
}

/* Tells the client the server failed, not why: the detail stays in t->detail for the log. */
static void send_server_error(transfer_t *t) {
  static const uint8_t packet[] = {0, 5, 0, 0, 's', 'e', 'r', 'v', 'e', 'r', ' ',
                                   'e', 'r', 'r', 'o', 'r', 0};
  struct msghdr msg;
  struct iovec iov = {(void *)packet, sizeof packet};
  memset(&msg, 0, sizeof msg);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  (void)sendmsg(t->sock, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
}

static int send_blocks(transfer_t *t, uint64_t first, uint64_t count) {
  for (uint64_t block = first; block < first + count; block++) {
    const uint8_t *data;
    size_t len;
    if (block_data(t, block, &data, &len) != 0) {
      send_server_error(t);
      return -1;
    }
    uint8_t header[4] = {0, 3, (uint8_t)((block >> 8) & 0xff), (uint8_t)(block & 0xff)};
    struct iovec iov[2] = {{header, 4}, {(void *)data, len}};
    if (send_iov(t, iov, len > 0 ? 2 : 1) != 0) return -1;
    t->data_packets += 1;
  }
  return 0;
}

static int send_oack(transfer_t *t) {
  struct iovec iov = {t->oack, t->oack_len};
  return send_iov(t, &iov, 1);
}

/* Blocks in the window that follows block `acked`: windowsize, fewer at the end of the file. */
static uint64_t window_after(const transfer_t *t, uint64_t total, uint64_t acked) {
  return t->windowsize < total - acked ? t->windowsize : total - acked;
}

/* Sets the receive timeout to `ms` unless it is already within a millisecond of it. */
static void arm_timer(transfer_t *t, double ms, double *armed_ms) {
  if (ms < 1) ms = 1;
  if (*armed_ms >= 0 && ms > *armed_ms - 1 && ms < *armed_ms + 1) return;
  struct timeval tv = {(time_t)(ms / 1000), (suseconds_t)((long)(ms * 1000) % 1000000)};
  setsockopt(t->sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  *armed_ms = ms;
}

/* The timer after a send: the RTO, or the wait for a late ACK after the last retry. */
static double timer_after_send(const transfer_t *t, int retries) {
  int last = atomic_load(&t->confirmed) ? t->max_retries : t->max_retries_unconfirmed;
  if (retries >= last) return t->rto > t->late_ack_wait_ms ? t->rto : t->late_ack_wait_ms;
  return t->rto;
}

/* The transfer loop: the same state machine as ReadSession in session.ts. */
static void run(transfer_t *t) {
  const uint64_t total = t->size / t->blksize + 1;
  int awaiting_oack_ack = t->oack_len > 0;
  uint64_t acked = 0, sent_up_to = 0;
  int retries = 0;
  double sent_at = -1, srtt = -1, rttvar = 0, armed_ms = -1;
  uint8_t packet[1500];

#define FINISH(o)    \
  do {               \
    t->outcome = (o); \
    goto done;       \
  } while (0)
#define SEND_WINDOW(now)                                                              \
  do {                                                                                \
    uint64_t count_ = window_after(t, total, acked);                                 \
    sent_up_to = acked + count_;                                                      \
    sent_at = (now);                                                                  \
    if (send_blocks(t, acked + 1, count_) != 0) FINISH(OUT_ERROR);                    \
  } while (0)

  double now = now_ms();
  if (awaiting_oack_ack) {
    if (send_oack(t) != 0) FINISH(OUT_ERROR);
    sent_at = now;
  } else {
    SEND_WINDOW(now);
  }
  double deadline = now + timer_after_send(t, retries);

  for (;;) {
    if (atomic_load(&t->stop)) FINISH(OUT_STOPPED);
    now = now_ms();
    if (now >= deadline) {
      if (++retries > (atomic_load(&t->confirmed) ? t->max_retries : t->max_retries_unconfirmed))
        FINISH(OUT_TIMEOUT);
      t->retransmissions += 1;
      sent_at = -1; /* Karn: never time a retransmitted window */
      double cap = t->max_rto > t->fixed_ms ? t->max_rto : t->fixed_ms;
      t->rto = t->rto * 2 < cap ? t->rto * 2 : cap;
      int failed = awaiting_oack_ack ? send_oack(t)
                                     : send_blocks(t, acked + 1, window_after(t, total, acked));
      if (failed) FINISH(OUT_ERROR);
      deadline = now + timer_after_send(t, retries);
      continue;
    }
    arm_timer(t, deadline - now, &armed_ms);
    ssize_t n = recv(t->sock, packet, sizeof packet, 0);
    if (atomic_load(&t->stop)) FINISH(OUT_STOPPED); /* shutdown() wakes recv with 0 */
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) continue;
      snprintf(t->detail, sizeof t->detail, "recvmsg %s", strerror(errno));
      FINISH(OUT_ERROR);
    }
    if (n >= 4 && packet[0] == 0 && packet[1] == 4) {
      uint16_t block = (uint16_t)(packet[2] << 8 | packet[3]);
      now = now_ms();
      if (awaiting_oack_ack) {
        if (block != 0) continue;
        awaiting_oack_ack = 0;
      } else {
        /* Distance from the last acknowledged block, modulo the 16-bit rollover. */
        uint64_t delta = (uint16_t)(block - (uint16_t)(acked & 0xffff));
        if (delta == 0 || delta > sent_up_to - acked) continue; /* duplicate or stale */
        acked += delta;
        t->acked = acked;
        if (acked < sent_up_to) sent_at = -1; /* partial ACK: the next window is not timed */
      }
      retries = 0;
      atomic_store(&t->confirmed, 1);
      if (sent_at >= 0 && t->fixed_ms == 0) {
        double rtt = now - sent_at > 0 ? now - sent_at : 0;
        if (srtt < 0) {
          srtt = rtt;
          rttvar = rtt / 2;
        } else {
          rttvar = 0.75 * rttvar + 0.25 * (srtt > rtt ? srtt - rtt : rtt - srtt);
          srtt = 0.875 * srtt + 0.125 * rtt;
        }
        double rto = srtt + 4 * rttvar;
        t->rto = rto < t->min_rto ? t->min_rto : rto > t->max_rto ? t->max_rto : rto;
      }
      if (acked == total) FINISH(OUT_COMPLETE);
      /* RFC 7440 §4: a partial ACK means the rest of the window was lost; resume after it. */
      SEND_WINDOW(now);
      deadline = now + timer_after_send(t, retries);
    } else if (n >= 4 && packet[0] == 0 && packet[1] == 5) {
      unsigned code = (unsigned)(packet[2] << 8 | packet[3]);
      char text[256];
      size_t len = 0;
      for (ssize_t i = 4; i < n && packet[i] != 0 && len < sizeof text - 1; i++)
        text[len++] = packet[i] >= 0x20 && packet[i] < 0x7f ? (char)packet[i] : '?';
      text[len] = 0;
      snprintf(t->detail, sizeof t->detail, "client error %u: %s", code, text);
      FINISH(OUT_ABORTED);
    }
    /* Anything else from the client's port is ignored; the timer covers real loss. */
  }
done:
  /* A send or receive that failed because the transfer was aborted is not the client's fault. */
  if (atomic_load(&t->stop)) t->outcome = OUT_STOPPED;
#undef FINISH
#undef SEND_WINDOW
}

static void *worker(void *arg) {
  transfer_t *t = arg;
  run(t);
  /* call_js frees `t` on the JS thread, possibly before the call below returns: from here on only
     the local copy of the function handle may be used. */
  napi_threadsafe_function tsfn = t->tsfn;
  napi_call_threadsafe_function(tsfn, t, napi_tsfn_blocking);
  napi_release_threadsafe_function(tsfn, napi_tsfn_release);
  return NULL;
}

static void free_transfer(transfer_t *t) {
  if (t->sock >= 0) close(t->sock);
  if (t->file_fd >= 0) close(t->file_fd);
  free(t->bytes);
  free(t->chunk);
  free(t);
}

static void set_number(napi_env env, napi_value obj, const char *name, double value) {
  napi_value v;
  napi_create_double(env, value, &v);
  napi_set_named_property(env, obj, name, v);
}

/* Runs on the JS thread once the worker is done: close the socket, then report. */
static void call_js(napi_env env, napi_value callback, void *context, void *data) {
  (void)context;
  transfer_t *t = data;
  if (t->handle != NULL) t->handle->t = NULL;
  if (env != NULL && callback != NULL) {
    napi_value result, outcome, detail, undefined;
    napi_create_object(env, &result);
    napi_create_string_utf8(env, outcome_names[t->outcome], NAPI_AUTO_LENGTH, &outcome);
    napi_set_named_property(env, result, "outcome", outcome);
    set_number(env, result, "ackedBlocks", (double)t->acked);
    set_number(env, result, "dataPackets", (double)t->data_packets);
    set_number(env, result, "retransmissions", (double)t->retransmissions);
    napi_create_string_utf8(env, t->detail, NAPI_AUTO_LENGTH, &detail);
    napi_set_named_property(env, result, "detail", detail);
    close(t->sock);
    t->sock = -1;
    napi_get_undefined(env, &undefined);
    napi_call_function(env, undefined, callback, 1, &result, NULL);
  }
  free_transfer(t);
}

static void finalize_handle(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  handle_t *h = data;
  if (h->t != NULL) h->t->handle = NULL;
  free(h);
}

static int get_prop(napi_env env, napi_value obj, const char *name, napi_value *out) {
  return napi_get_named_property(env, obj, name, out) == napi_ok ? 0 : -1;
}

static int get_double(napi_env env, napi_value obj, const char *name, double *out) {
  napi_value v;
  return get_prop(env, obj, name, &v) == 0 && napi_get_value_double(env, v, out) == napi_ok ? 0 : -1;
}

static int get_string(napi_env env, napi_value obj, const char *name, char *buf, size_t size) {
  napi_value v;
  size_t len;
  return get_prop(env, obj, name, &v) == 0 &&
                 napi_get_value_string_utf8(env, v, buf, size, &len) == napi_ok && len > 0 &&
                 len < size - 1
             ? 0
             : -1;
}

/* Optional Buffer property: 1 with data, 0 when null/undefined, -1 when it is something else. */
static int get_buffer(napi_env env, napi_value obj, const char *name, void **data, size_t *len) {
  napi_value v;
  napi_valuetype type;
  bool is_buffer = false;
  if (get_prop(env, obj, name, &v) != 0 || napi_typeof(env, v, &type) != napi_ok) return -1;
  if (type == napi_null || type == napi_undefined) return 0;
  if (napi_is_buffer(env, v, &is_buffer) != napi_ok || !is_buffer) return -1;
  return napi_get_buffer_info(env, v, data, len) == napi_ok ? 1 : -1;
}

static int resolve(const char *host, const char *port, struct addrinfo **out) {
  struct addrinfo hints;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
  return getaddrinfo(host, port, &hints, out);
}

/* The transfer's socket: bound to the serving address (never the wildcard), connected to the client. */
static int open_transfer_socket(napi_env env, const char *local, const char *client, int port,
                                int send_buffer) {
  char port_text[8];
  snprintf(port_text, sizeof port_text, "%d", port);
  struct addrinfo *la = NULL, *ca = NULL;
  if (resolve(local, "0", &la) != 0 || resolve(client, port_text, &ca) != 0) {
    if (la) freeaddrinfo(la);
    napi_throw_type_error(env, NULL, "localAddress and clientAddress must be numeric IP addresses");
    return -1;
  }
  int fd = socket(la->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  int err = fd < 0 ? errno : 0;
  const char *what = "socket";
  if (fd >= 0) {
    int current = 0;
    socklen_t size = sizeof current;
    getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &current, &size);
    /* Bigger windows need room for a whole window in the send queue; capped by wmem_max. */
    if (send_buffer > current / 2)
      setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &send_buffer, sizeof send_buffer);
    if (bind(fd, la->ai_addr, la->ai_addrlen) != 0) {
      err = errno;
      what = "bind";
    } else if (connect(fd, ca->ai_addr, ca->ai_addrlen) != 0) {
      err = errno;
      what = "connect";
    }
  }
  freeaddrinfo(la);
  freeaddrinfo(ca);
  if (err != 0) {
    if (fd >= 0) close(fd);
    addon_throw_errno(env, what, err);
    return -1;
  }
  return fd;
}

/*
 * startTftpTransfer(options, done): starts the transfer on its own thread and returns a handle
 * for abortTftpTransfer. `done` is called once with { outcome, ackedBlocks, dataPackets,
 * retransmissions, detail }. See native-transfer.ts for the options.
 */
static napi_value start_transfer(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_valuetype type;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2 ||
      napi_typeof(env, argv[1], &type) != napi_ok || type != napi_function) {
    napi_throw_type_error(env, NULL, "startTftpTransfer(options, done) needs two arguments");
    return NULL;
  }
  napi_value o = argv[0];
  char local[64], client[64];
  double port, file_fd, size, blksize, windowsize, fixed_ms, initial_ms, min_ms, max_ms, retries,
      retries_unconfirmed, late_ack_wait_ms;
  void *bytes = NULL, *oack = NULL;
  size_t bytes_len = 0, oack_len = 0;
  int has_bytes, has_oack;
  if (get_string(env, o, "localAddress", local, sizeof local) != 0 ||
      get_string(env, o, "clientAddress", client, sizeof client) != 0 ||
      get_double(env, o, "clientPort", &port) != 0 || get_double(env, o, "fileFd", &file_fd) != 0 ||
      get_double(env, o, "size", &size) != 0 || get_double(env, o, "blksize", &blksize) != 0 ||
      get_double(env, o, "windowsize", &windowsize) != 0 ||
      get_double(env, o, "fixedTimeoutMs", &fixed_ms) != 0 ||
      get_double(env, o, "initialTimeoutMs", &initial_ms) != 0 ||
      get_double(env, o, "minTimeoutMs", &min_ms) != 0 ||
      get_double(env, o, "maxTimeoutMs", &max_ms) != 0 ||
      get_double(env, o, "maxRetries", &retries) != 0 ||
      get_double(env, o, "maxRetriesUnconfirmed", &retries_unconfirmed) != 0 ||
      get_double(env, o, "lateAckWaitMs", &late_ack_wait_ms) != 0 ||
      (has_bytes = get_buffer(env, o, "bytes", &bytes, &bytes_len)) < 0 ||
      (has_oack = get_buffer(env, o, "oack", &oack, &oack_len)) < 0) {
    napi_throw_type_error(env, NULL, "startTftpTransfer: an option is missing or of the wrong type");
    return NULL;
  }
  if (port < 1 || port > 65535 || blksize < 8 || blksize > 65464 || windowsize < 1 ||
      windowsize > 65535 || size < 0 || oack_len > MAX_OACK || (has_bytes && bytes_len != size) ||
      (!has_bytes && file_fd < 0) || initial_ms < 1 || min_ms < 1 || max_ms < min_ms ||
      retries < 0 || retries_unconfirmed < 0 || late_ack_wait_ms < 0) {
    napi_throw_range_error(env, NULL, "startTftpTransfer: an option is out of range");
    return NULL;
  }
  transfer_t *t = calloc(1, sizeof *t);
  if (t == NULL) return addon_throw_errno(env, "calloc", ENOMEM);
  t->sock = -1;
  t->file_fd = -1;
  t->size = (uint64_t)size;
  t->blksize = (uint32_t)blksize;
  t->windowsize = (uint32_t)windowsize;
  t->fixed_ms = fixed_ms;
  t->rto = fixed_ms > 0 ? fixed_ms : initial_ms;
  t->min_rto = min_ms;
  t->max_rto = max_ms;
  t->max_retries = (int)retries;
  t->max_retries_unconfirmed = retries_unconfirmed < retries ? (int)retries_unconfirmed : (int)retries;
  t->late_ack_wait_ms = late_ack_wait_ms;
  if (!has_bytes) {
    t->file_fd = fcntl((int)file_fd, F_DUPFD_CLOEXEC, 0);
    if (t->file_fd < 0) {
      int err = errno;
      free_transfer(t);
      return addon_throw_errno(env, "dup", err);
    }
  }
  if (has_oack) {
    memcpy(t->oack, oack, oack_len);
    t->oack_len = oack_len;
  }
  if (has_bytes) {
    t->bytes = malloc(bytes_len > 0 ? bytes_len : 1);
    if (t->bytes != NULL) memcpy(t->bytes, bytes, bytes_len);
  } else {
    t->chunk = malloc(READ_AHEAD);
  }
  if ((has_bytes && t->bytes == NULL) || (!has_bytes && t->chunk == NULL)) {
    free_transfer(t);
    return addon_throw_errno(env, "malloc", ENOMEM);
  }
  int send_buffer = (int)(blksize * windowsize * 2 < 8 << 20 ? blksize * windowsize * 2 : 8 << 20);
  t->sock = open_transfer_socket(env, local, client, (int)port, send_buffer);
  if (t->sock < 0) {
    free_transfer(t);
    return NULL;
  }
  napi_value name;
  napi_create_string_utf8(env, "labboot-tftp-transfer", NAPI_AUTO_LENGTH, &name);
  if (napi_create_threadsafe_function(env, argv[1], NULL, name, 0, 1, NULL, NULL, NULL, call_js,
                                      &t->tsfn) != napi_ok) {
    free_transfer(t);
    napi_throw_error(env, NULL, "startTftpTransfer: cannot create the completion callback");
    return NULL;
  }
  handle_t *h = malloc(sizeof *h);
  napi_value external;
  if (h == NULL || napi_create_external(env, h, finalize_handle, NULL, &external) != napi_ok) {
    free(h);
    napi_release_threadsafe_function(t->tsfn, napi_tsfn_abort);
    free_transfer(t);
    return addon_throw_errno(env, "malloc", ENOMEM);
  }
  h->t = t;
  t->handle = h;
  int err = addon_start_detached(worker, t, 256 * 1024);
  if (err != 0) {
    h->t = NULL;
    napi_release_threadsafe_function(t->tsfn, napi_tsfn_abort);
    free_transfer(t);
    return addon_throw_errno(env, "pthread_create", err);
  }
  return external;
}

/* tftpTransferConfirmed(handle): true once the client has acknowledged anything. */
static napi_value transfer_confirmed(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  void *data = NULL;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 ||
      napi_get_value_external(env, argv[0], &data) != napi_ok) {
    napi_throw_type_error(env, NULL, "tftpTransferConfirmed(handle) needs a transfer handle");
    return NULL;
  }
  handle_t *h = data;
  napi_value result;
  napi_get_boolean(env, h->t != NULL && atomic_load(&h->t->confirmed), &result);
  return result;
}

/* abortTftpTransfer(handle): asks a running transfer to stop; `done` then reports "stopped". */
static napi_value abort_transfer(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  void *data = NULL;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 ||
      napi_get_value_external(env, argv[0], &data) != napi_ok) {
    napi_throw_type_error(env, NULL, "abortTftpTransfer(handle) needs a transfer handle");
    return NULL;
  }
  handle_t *h = data;
  if (h->t != NULL) {
    atomic_store(&h->t->stop, 1);
    /* Wakes a recv blocked on the socket; the descriptor itself is closed on this thread later. */
    shutdown(h->t->sock, SHUT_RDWR);
  }
  return NULL;
}

void tftp_transfer_register(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"startTftpTransfer", NULL, start_transfer, NULL, NULL, NULL, napi_default, NULL},
      {"abortTftpTransfer", NULL, abort_transfer, NULL, NULL, NULL, napi_default, NULL},
      {"tftpTransferConfirmed", NULL, transfer_confirmed, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
#else
void tftp_transfer_register(napi_env env, napi_value exports) {
  (void)env;
  (void)exports; /* Not offered: TftpServer uses its portable engine. */
}
#endif
