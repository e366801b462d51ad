/* tap: an incremental, garbage-tolerant parser of the TAP 14 stream that a
 * worker writes to the runner.
 *
 * The stream (see python/crossrun/_worker.py, which writes it):
 *
 *     TAP version 14
 *     # begin 0 60 child 0 0 ID     <- comment: work on test 0 started
 *     1..3
 *     ok 1 - tests/test_a.py::test_x
 *       ---
 *       outcome: passed
 *       duration: 0.000412
 *       stdout: "line one\nbad byte \xff\n"
 *       ...
 *     not ok 2 - tests/test_a.py::test_y
 *       ---
 *       ...
 *     Bail out! reason
 *
 * YAML blocks are indented two spaces and hold `key: value` lines only.
 * A value is either plain (to the end of the line, trailing blanks cut) or
 * double-quoted with the escapes \\ \" \n \r \t \0 and \xNN, where \xNN is
 * the raw byte NN (so any bytes survive, invalid UTF-8 included).
 *
 * Garbage never derails the parser: a line that is not TAP is reported as
 * TAP_UNKNOWN and parsing goes on; a malformed YAML line inside a block is
 * skipped. A test point is delivered when its YAML block ends with "  ..."
 * or when the next line shows it has none. A stream that ends inside a
 * YAML block (a worker that died mid-write) does not deliver that test
 * point: tap_finish reports it as TAP_TRUNCATED instead. */
#ifndef CROSSRUN_TAP_H
#define CROSSRUN_TAP_H

#include <stddef.h>

enum tap_kind {
    TAP_VERSION,   /* "TAP version N": version */
    TAP_PLAN,      /* "1..N [# SKIP reason]": plan_count, text = reason */
    TAP_TEST,      /* a test point with its YAML block; text = its line */
    TAP_COMMENT,   /* "# text": text without "# " */
    TAP_BAILOUT,   /* "Bail out! reason": text = reason */
    TAP_PRAGMA,    /* "pragma +strict": text = "+strict" */
    TAP_UNKNOWN,   /* anything else: text = the line */
    TAP_TRUNCATED  /* end of stream inside a test point: text = its line
                      (its other fields and the pairs read so far are set
                      as for TAP_TEST) */
};

enum tap_directive { TAP_DIR_NONE, TAP_DIR_SKIP, TAP_DIR_TODO };

struct tap_kv {
    const char *key;
    const char *value;   /* NUL-terminated; may hold NULs, see len */
    size_t len;
};

/* Valid only during the callback; the parser owns every pointer. */
struct tap_event {
    enum tap_kind kind;
    int version;
    long plan_count;
    int ok;                      /* TAP_TEST: 1 for "ok", 0 for "not ok" */
    long number;                 /* TAP_TEST: the number, 0 if absent */
    const char *description;     /* TAP_TEST: after "- ", "" if absent */
    enum tap_directive directive;
    const char *reason;          /* directive's reason, "" if none */
    const struct tap_kv *yaml;   /* TAP_TEST: the block's pairs */
    size_t nyaml;
    const char *text;
};

typedef void (*tap_callback)(void *ctx, const struct tap_event *ev);

struct tap_parser;

/* A new parser that calls cb(ctx, ev) for each event. NULL: no memory. */
struct tap_parser *tap_new(tap_callback cb, void *ctx);
/* Feed n more bytes (any split: lines may span calls). Returns 0, or -1
 * when memory runs out (the parser then fails every later call; free it).
 * Lines longer than TAP_MAX_LINE are cut there. */
int tap_feed(struct tap_parser *p, const char *data, size_t n);
/* The end of the stream: delivers what is pending (a last line without a
 * newline counts as a line; an unfinished YAML block is TAP_TRUNCATED).
 * Returns 0 or -1 (no memory). The parser can then be freed. */
int tap_finish(struct tap_parser *p);
void tap_free(struct tap_parser *p);
/* The value of key in ev's YAML block, or NULL (len set when not NULL). */
const char *tap_get(const struct tap_event *ev, const char *key, size_t *len);

#define TAP_MAX_LINE (64u << 20)

#endif
