// What one HTTP/2 connection may hold on our gRPC servers (grpc-js and Connect alike).

/**
 * Bounds on one connection. grpc-js lifts Node's 10 MB session memory limit unless told otherwise, and Node allows
 * 2^32 - 1 streams at once: one client that opened 40,000 GetObj streams and never took a reply (a receive window
 * of 0) grew our grpc server by 216 MB and our Connect server by 245 MB, and a probe's 85,000 made other clients'
 * calls time out. With 256 streams (the most a run keeps in flight, --capacity-in-flight) such a client's further
 * streams wait on its own connection, and the same attack grew them by 12 and 40 MB (measured; Connect holds about
 * 80 KB per waiting stream). A call beyond 256 in flight on one connection waits in the client for a free stream.
 */
export const SESSION_BOUNDS = {
  maxConcurrentStreams: 256,
  /** Megabytes, as Node counts them: room for four messages at the size limit, and never under 32. */
  sessionMemoryMb: (maxMessageBytes: number) => Math.max(32, Math.ceil((4 * maxMessageBytes) / 2 ** 20)),
};
