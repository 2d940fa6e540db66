/**
 * One send(2) per socket in a single call: `fds[i]` is sent `buffers[bufferOf[i]]`, for i < count.
 * `results[i]` becomes the bytes the kernel took, or -errno (-11 = EAGAIN: its buffer is full).
 * Throws a TypeError or RangeError for arguments of the wrong kind or out of range. Null when the
 * addon was not built here.
 */
export declare const sendMany:
  | ((fds: Int32Array, bufferOf: Int32Array, buffers: readonly Buffer[], count: number, results: Int32Array) => void)
  | null;
