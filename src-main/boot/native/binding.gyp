{
  "targets": [
    {
      "target_name": "labboot_native",
      "sources": ["addon.c", "netdev.c", "tftp_transfer.c", "http_sendfile.c"],
      "cflags": ["-Wall", "-Wextra", "-O2", "-pthread"],
      "ldflags": ["-pthread"]
    }
  ]
}
