// What one HTTP/2 connection, and one server, may hold on our gRPC servers (grpc-js and Connect alike).
import http2 from 'node:http2';

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

/**
 * Bounds on the whole server, over all its connections: the connection's bounds alone let many connections add up
 * (issue 32: 50 connections of 300 stalled streams took grpc to 305 MB, 100 took Connect to 1.36 GB, and other
 * clients' calls timed out).
 */
export const SERVER_BOUNDS = {
  /** Streams open at once, over all connections: eight connections' worth. A stream beyond it is refused
   * (REFUSED_STREAM, which tells a gRPC client that nothing was done and that it may try again). */
  maxStreams: 4 * SESSION_BOUNDS.maxConcurrentStreams,
  /** Connections at once; one beyond it is closed as it comes. */
  maxConnections: 256,
  /** A stream that neither reads nor writes for this long is cancelled: a client that does not take its replies
   * (a receive window of 0) holds them in the server until then, and no longer. A unary call's stream is busy
   * from its request to its reply; only one whose reply cannot go out is idle this long. */
  idleStreamMs: 10_000,
};

/**
 * Puts the server-wide bounds on an HTTP/2 server whose 'stream' listeners are already in place (Connect's adapter,
 * or grpc-js's handler): a refused stream never reaches them. Over the server's limit a connection still gets streams
 * up to its fair share (the limit over the connections open), so that clients who fill the server cannot lock out
 * one that asks for a few. Twice the limit is a hard cap: there, a stream within its connection's share is made room
 * for by cancelling the oldest stream of the connection furthest over its share. (A share is the one of its moment:
 * connections that came one by one got the larger shares of fewer connections, and a second wave of 100 held 4,009
 * streams at once where the first, all at once, held 2,080.) A connection refused a stream is told to open
 * no more than it has (SETTINGS_MAX_CONCURRENT_STREAMS), until the server is down to half its limit: a client that
 * keeps to the protocol then waits instead of sending streams to be refused, each of which costs the server CPU and
 * memory (100 connections of 300 streams were 27,000 refusals, and their garbage 100 MB).
 */
export function boundServer(server: http2.Http2Server, log: (line: string) => void = (line) => console.error(line)): void {
  server.maxConnections = SERVER_BOUNDS.maxConnections;
  const handlers = server.listeners('stream') as Array<(...args: unknown[]) => void>;
  server.removeAllListeners('stream');
  const bySession = new Map<http2.Http2Session, Set<http2.ServerHttp2Stream>>();
  const throttled = new Set<http2.Http2Session>();
  let open = 0;
  let refused = 0;
  const share = () => SERVER_BOUNDS.maxStreams / Math.max(1, bySession.size);
  const held = (session: http2.Http2Session) => bySession.get(session)?.size ?? 0;
  const admit = (session: http2.Http2Session) => {
    if (open < SERVER_BOUNDS.maxStreams) return true;
    if (held(session) >= share()) return false;
    return open < 2 * SERVER_BOUNDS.maxStreams || makeRoom();
  };
  // the connection furthest over its share gives up its oldest stream (a Set keeps the order they came in)
  const makeRoom = () => {
    let most: Set<http2.ServerHttp2Stream> | undefined;
    for (const streams of bySession.values()) if (!most || streams.size > most.size) most = streams;
    const oldest = most && most.size > share() ? most.values().next().value : undefined;
    if (!oldest) return false;
    most!.delete(oldest);
    oldest.close(http2.constants.NGHTTP2_CANCEL);
    return true;
  };
  const limit = (session: http2.Http2Session, streams: number) => {
    if (session.destroyed || session.closed) return;
    try {
      session.settings({ maxConcurrentStreams: Math.max(1, Math.floor(streams)) });
    } catch {} // too many SETTINGS not yet acknowledged: the refusals go on for that client
  };
  server.on('session', (session: http2.ServerHttp2Session) => {
    bySession.set(session, new Set());
    session.once('close', () => {
      bySession.delete(session);
      throttled.delete(session);
    });
    // a server already full tells a new connection its share at once
    if (open >= SERVER_BOUNDS.maxStreams / 2) {
      throttled.add(session);
      limit(session, share());
    }
  });
  server.on('stream', (stream: http2.ServerHttp2Stream, ...rest: unknown[]) => {
    const session = stream.session!;
    if (!admit(session)) {
      if (refused++ % 1000 === 0) log(`http2: ${open} streams open, the server's limit: refusing new ones beyond a connection's share (${refused} so far)`);
      if (!throttled.has(session)) {
        throttled.add(session);
        limit(session, held(session));
      }
      // closing with an error code emits 'error' on the stream, which no handler of ours or theirs has seen yet
      stream.on('error', () => {});
      return void stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
    }
    open++;
    bySession.get(session)?.add(stream);
    stream.once('close', () => {
      open--;
      bySession.get(session)?.delete(stream);
      if (throttled.size && open < SERVER_BOUNDS.maxStreams / 2) {
        for (const s of throttled) limit(s, SESSION_BOUNDS.maxConcurrentStreams);
        throttled.clear();
      }
    });
    stream.setTimeout(SERVER_BOUNDS.idleStreamMs, () => stream.close(http2.constants.NGHTTP2_CANCEL));
    for (const handler of handlers) handler.call(server, stream, ...rest);
  });
}
