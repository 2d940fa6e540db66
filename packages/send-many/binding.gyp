{
  "targets": [
    {
      "target_name": "send_many",
      "sources": ["src/send_many.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"]
    }
  ]
}
