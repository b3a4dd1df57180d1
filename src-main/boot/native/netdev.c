/*
 * netdev: opens a UDP socket bound to one network interface (SO_BINDTODEVICE) and hands its
 * file descriptor to Node, which wraps it with dgram's bind({ fd }).
 *
 * Why native code: Node's dgram can neither set SO_BINDTODEVICE nor report the interface a
 * broadcast arrived on (no IP_PKTINFO), and a DHCP server must bind 0.0.0.0:67 to see broadcasts at
 * all. Without this, a laptop with Wi-Fi, docker bridges and a VPN would answer DHCP on every one of
 * them. No maintained npm package does this (the few setsockopt addons are unmaintained and fetch
 * prebuilt binaries), so this is the smallest N-API module that does: it only creates the socket;
 * all I/O stays in Node's event loop. Linux only; other systems get ENOTSUP.
 */
#include "addon.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#ifdef __linux__
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#endif

/* openBoundUdp(ifname: string, port: number, address?: string): number (the fd) */
static napi_value open_bound_udp(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2) {
    napi_throw_type_error(env, NULL, "openBoundUdp(ifname, port[, address]) needs two arguments");
    return NULL;
  }
  char ifname[64] = {0};
  size_t len = 0;
  if (napi_get_value_string_utf8(env, argv[0], ifname, sizeof ifname, &len) != napi_ok ||
      len == 0 || len >= 16 /* IFNAMSIZ */) {
    napi_throw_type_error(env, NULL, "interface name must be a string of 1-15 bytes");
    return NULL;
  }
  uint32_t port = 0;
  if (napi_get_value_uint32(env, argv[1], &port) != napi_ok || port > 65535) {
    napi_throw_type_error(env, NULL, "port must be 0-65535");
    return NULL;
  }
  char addr_text[64] = "0.0.0.0";
  if (argc >= 3) {
    napi_valuetype t;
    napi_typeof(env, argv[2], &t);
    if (t == napi_string) napi_get_value_string_utf8(env, argv[2], addr_text, sizeof addr_text, &len);
  }
#ifdef __linux__
  struct sockaddr_in sa;
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_port = htons((uint16_t)port);
  if (inet_pton(AF_INET, addr_text, &sa.sin_addr) != 1) {
    napi_throw_type_error(env, NULL, "address must be an IPv4 dotted quad");
    return NULL;
  }
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return addon_throw_errno(env, "socket", errno);
  int one = 1;
  /* SO_REUSEADDR lets one 0.0.0.0:67 socket per interface coexist; the device binding keeps them
     apart. SO_BROADCAST is needed to send to 255.255.255.255:68. */
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
      setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof one) != 0) {
    int e = errno;
    close(fd);
    return addon_throw_errno(env, "setsockopt", e);
  }
  if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname)) != 0) {
    int e = errno;
    close(fd);
    return addon_throw_errno(env, "SO_BINDTODEVICE", e);
  }
  if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
    int e = errno;
    close(fd);
    return addon_throw_errno(env, "bind", e);
  }
  napi_value result;
  napi_create_int32(env, fd, &result);
  return result;
#else
  (void)port;
  return addon_throw_errno(env, "SO_BINDTODEVICE", ENOTSUP);
#endif
}

/* closeFd(fd): closes a descriptor that was never handed to Node (error paths only). */
static napi_value close_fd(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd = -1;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc == 1 && napi_get_value_int32(env, argv[0], &fd) == napi_ok && fd > 2) close(fd);
  return NULL;
}

/* Adds openBoundUdp and closeFd to the addon's exports (see addon.c). */
void netdev_register(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"openBoundUdp", NULL, open_bound_udp, NULL, NULL, NULL, napi_default, NULL},
      {"closeFd", NULL, close_fd, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
