// sendMany(fds, bufferOf, buffers, count, results): one send(2) per socket, all in one call from
// JavaScript. Herald's write turns hand it a share of sockets that each get one buffer (most often
// the same one): called socket by socket through node's stream handle, every write crossed from
// JavaScript into C++ and libuv and read each socket's objects there (the server's
// internals/direct-write.ts, DirectSends; docs/performance.md, "Session 19").
//
// results[i] is what send(2) returned for fds[i]: the bytes the kernel took, or -errno. The caller
// decides what a short or failed send means; nothing here closes, retries or queues.
#include <errno.h>
#include <stdint.h>
#include <sys/socket.h>
#include <node_api.h>

#define CHECK(call)                                                     \
  do {                                                                  \
    if ((call) != napi_ok) {                                            \
      napi_throw_error(env, "ERR_SEND_MANY", "send-many: " #call " failed"); \
      return NULL;                                                      \
    }                                                                   \
  } while (0)

/** The int32 elements of a typed array argument, and how many; NULL (with a TypeError thrown) when it is not an Int32Array. */
static int32_t *int32_elements(napi_env env, napi_value value, size_t *length, const char *name) {
  bool is_typed = false;
  if (napi_is_typedarray(env, value, &is_typed) != napi_ok || !is_typed) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", name);
    return NULL;
  }
  napi_typedarray_type type;
  void *data = NULL;
  if (napi_get_typedarray_info(env, value, &type, length, &data, NULL, NULL) != napi_ok || type != napi_int32_array) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", name);
    return NULL;
  }
  return (int32_t *)data;
}

static napi_value send_many(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 5) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "sendMany(fds, bufferOf, buffers, count, results)");
    return NULL;
  }
  size_t fd_count, of_count, result_count;
  const int32_t *fds = int32_elements(env, argv[0], &fd_count, "fds must be an Int32Array");
  if (fds == NULL) return NULL;
  const int32_t *buffer_of = int32_elements(env, argv[1], &of_count, "bufferOf must be an Int32Array");
  if (buffer_of == NULL) return NULL;
  bool is_array = false;
  CHECK(napi_is_array(env, argv[2], &is_array));
  if (!is_array) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "buffers must be an array of Buffers");
    return NULL;
  }
  uint32_t buffer_count;
  CHECK(napi_get_array_length(env, argv[2], &buffer_count));
  uint32_t count;
  if (napi_get_value_uint32(env, argv[3], &count) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "count must be a number");
    return NULL;
  }
  int32_t *results = int32_elements(env, argv[4], &result_count, "results must be an Int32Array");
  if (results == NULL) return NULL;
  if (count > fd_count || count > of_count || count > result_count) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "count is larger than an array it indexes");
    return NULL;
  }

  // Consecutive sockets mostly get the same buffer: it is looked up again only when it changes.
  int32_t current = -1;
  const char *data = NULL;
  size_t length = 0;
  for (uint32_t i = 0; i < count; i++) {
    const int32_t which = buffer_of[i];
    if (which != current) {
      if (which < 0 || (uint32_t)which >= buffer_count) {
        napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "bufferOf names no buffer");
        return NULL;
      }
      napi_value element;
      bool is_buffer = false;
      CHECK(napi_get_element(env, argv[2], (uint32_t)which, &element));
      CHECK(napi_is_buffer(env, element, &is_buffer));
      if (!is_buffer) {
        napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "buffers must be an array of Buffers");
        return NULL;
      }
      void *bytes = NULL;
      CHECK(napi_get_buffer_info(env, element, &bytes, &length));
      data = (const char *)bytes;
      current = which;
    }
    // The sockets are libuv's and non-blocking already; MSG_DONTWAIT says so again, and
    // MSG_NOSIGNAL keeps a peer that has gone from raising SIGPIPE (node ignores it anyway).
    ssize_t sent;
    do {
      sent = send(fds[i], data, length, MSG_DONTWAIT | MSG_NOSIGNAL);
    } while (sent < 0 && errno == EINTR);
    results[i] = sent >= 0 ? (int32_t)sent : -errno;
  }
  return NULL;
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  napi_value fn;
  if (napi_create_function(env, "sendMany", NAPI_AUTO_LENGTH, send_many, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "sendMany", fn) != napi_ok) return NULL;
  return exports;
}
