/* srv_limits.h: every cap the HTTP side puts on what comes from outside, in one place.
 * A request past a cap gets a clear status (413, 431, 414, 503) and the server carries on. */
#ifndef FA_SERVER_HTTP_SRV_LIMITS_H
#define FA_SERVER_HTTP_SRV_LIMITS_H

/* Request line plus headers: past SRV_MAX_HEADER_BYTES the adapter answers 431 (MHD itself
 * answers 431, or 414 for a huge URL, when they do not fit its connection memory pool). The
 * pool is larger than the cap so that parsing a request within the cap (its query values
 * included) never exhausts it: an exhausted pool makes MHD close without any answer. */
#define SRV_MAX_HEADER_BYTES (16 * 1024)
#define SRV_CONNECTION_MEMORY (128 * 1024)
/* Query values in one request: past it, 414. */
#define SRV_MAX_QUERY_PARAMS 64
/* POST /api/run: the JSON body, the snippet in it (the supervisor's own cap), and stdin. */
#define SRV_MAX_RUN_BODY (80 * 1024)
#define SRV_MAX_RUN_CODE (64 * 1024)
#define SRV_MAX_RUN_STDIN (8 * 1024) /* the Input box: SBX_RUN_MAX_STDIN */
/* The options' own limits (time, safe-native prefixes) are sandbox/sbx_options.h's, shared
 * with the command line and the supervisor. */
/* Sandbox capacity (each can be set at start, see `fa-learn help serve`): runs at once are the
 * CPU count; requests waiting behind them past SRV_RUN_MAX_QUEUED get 429, and so does a
 * client that already has SRV_RUN_PER_CLIENT runs going or waiting; each run's scratch
 * folder holds at most SRV_RUN_DISK_MB. */
#define SRV_RUN_MAX_QUEUED 64
#define SRV_RUN_PER_CLIENT 2
#define SRV_RUN_DISK_MB 64
/* Seconds a run may wait for a worker before it is refused (429). */
#define SRV_RUN_MAX_WAIT_S 60
/* Quiz submissions per client address and minute (--quiz-rate); past it 429. */
#define SRV_QUIZ_RATE_PER_MINUTE 30
/* A client address as text, with its NUL (an IPv6 address takes 46). */
#define SRV_CLIENT_TEXT_MAX 64
/* One /api/run answer: the supervisor's result frame (at most 4 MiB) re-serialised. */
#define SRV_MAX_RUN_RESULT (5 * 1024 * 1024)
/* A request body, whatever the route (the routes that take bodies have lower caps): the
 * largest is /api/run's. */
#define SRV_MAX_BODY_BYTES SRV_MAX_RUN_BODY
/* A body without a length that goes on past SRV_MAX_BODY_BYTES by more than this is cut off
 * (the connection closed) instead of answered 413 at its end. */
#define SRV_MAX_DISCARDED_BODY (1024 * 1024)
/* Connections: past the total or the per-client count, new requests get 503 + Retry-After
 * and the connection is closed. MHD's own hard limits sit a little above, as a backstop. */
#define SRV_MAX_CONNECTIONS 512
#define SRV_MAX_CONNECTIONS_PER_CLIENT 64
#define SRV_HARD_CONNECTION_MARGIN 32
/* Seconds of inactivity before MHD closes a connection. */
#define SRV_CONNECTION_TIMEOUT_S 30
/* Deadlines MHD's idle timer cannot give (it restarts with every byte): the request line and
 * headers must be in within SRV_HEADER_DEADLINE_S of the connection's start (or of the
 * previous answer on a kept-alive connection), and a body within SRV_BODY_DEADLINE_S of its
 * headers (the largest body, 80 KiB, at 2.7 KiB/s). Past them the connection is closed. */
#define SRV_HEADER_DEADLINE_S 10
#define SRV_BODY_DEADLINE_S 30
/* The last connections of the total are kept for clients that have only a few open. */
#define SRV_RESERVED_CONNECTIONS 128
#define SRV_RESERVED_SHARE 4
/* Query strings: bytes in one value, and values per request. */
#define SRV_MAX_QUERY_VALUE 256
#define SRV_MAX_QUERY_VALUES 16
/* HTTP worker threads. */
#define SRV_MAX_THREADS 64
/* Search: results per page. */
#define SRV_SEARCH_HITS 20
/* One rendered page, and one static file, kept in memory. */
#define SRV_MAX_PAGE_BYTES (4 * 1024 * 1024)
#define SRV_MAX_STATIC_FILE (2 * 1024 * 1024)
/* The instructor's retention setting: attempts older than this many days go (0: none go). */
#define SRV_MAX_RETENTION_DAYS 3650
#define SRV_MAX_STATIC_FILES 256
/* Folder levels below static/ that are served (static/a/b/c/d/e/file at the deepest). */
#define SRV_STATIC_MAX_DEPTH 4

#endif
