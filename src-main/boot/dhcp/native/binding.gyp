{
  "targets": [
    {
      "target_name": "labboot_netdev",
      "sources": ["netdev.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"]
    }
  ]
}
