/* test_tap: unit tests of the TAP parser (runner/tap.c): every kind of
 * line, YAML values, garbage, truncation, long lines, and that any split
 * of the input gives the same events. */
#include "tap.h"

#include "core/buf.h"
#include "kit/unit.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- helpers ---------------------------------------------------------- */

static void die(const char *what)
{
    fprintf(stderr, "test_tap: %s\n", what);
    exit(2);
}

static void put(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void put(struct buf *b, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof tmp || buf_append(b, tmp, (size_t)n)) {
        die("put: out of memory or line too long");
    }
}

static void put_raw(struct buf *b, const void *p, size_t n)
{
    if (buf_append(b, p, n) != 0) {
        die("out of memory");
    }
}

/* Bytes shown as [..], control and non-ASCII bytes as \xNN; texts longer
 * than 1000 bytes as [<N bytes>]. */
static void put_bytes(struct buf *b, const char *s, size_t n)
{
    size_t i;

    if (n > 1000) {
        put(b, "[<%zu bytes>]", n);
        return;
    }
    put_raw(b, "[", 1);
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c < 0x20 || c >= 0x7f) {
            put(b, "\\x%02x", c);
        } else {
            put_raw(b, &s[i], 1);
        }
    }
    put_raw(b, "]", 1);
}

static void put_str(struct buf *b, const char *s)
{
    put_bytes(b, s, strlen(s));
}

/* xorshift64: reproducible random numbers for splits and fuzzing. */
static unsigned long long rng_state;

static unsigned long long rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* ---- the recorder: every event as one line of text ------------------- */

struct rec {
    struct buf out;
    size_t bad;   /* events that broke an invariant of tap.h */
};

static const char *kind_name(enum tap_kind k)
{
    switch (k) {
    case TAP_VERSION: return "version";
    case TAP_PLAN: return "plan";
    case TAP_TEST: return "test";
    case TAP_COMMENT: return "comment";
    case TAP_BAILOUT: return "bailout";
    case TAP_PRAGMA: return "pragma";
    case TAP_UNKNOWN: return "unknown";
    case TAP_TRUNCATED: return "truncated";
    }
    return "?";
}

static void record(void *ctx, const struct tap_event *ev)
{
    struct rec *r = ctx;
    struct buf *b = &r->out;
    size_t i, len;

    if (ev->text == NULL || ev->description == NULL || ev->reason == NULL) {
        r->bad++;
        return;
    }
    put(b, "%s", kind_name(ev->kind));
    switch (ev->kind) {
    case TAP_VERSION:
        put(b, " %d", ev->version);
        break;
    case TAP_PLAN:
        put(b, " %ld ", ev->plan_count);
        put_str(b, ev->text);
        break;
    case TAP_TEST:
    case TAP_TRUNCATED:
        put(b, " %s %ld ", ev->ok ? "ok" : "not-ok", ev->number);
        put_str(b, ev->description);
        if (ev->directive != TAP_DIR_NONE) {
            put(b, " %s ", ev->directive == TAP_DIR_SKIP ? "skip" : "todo");
            put_str(b, ev->reason);
        } else if (ev->reason[0] != '\0') {
            r->bad++;
        }
        if ((ev->nyaml == 0) != (ev->yaml == NULL)) {
            r->bad++;
        }
        for (i = 0; i < ev->nyaml; i++) {
            const struct tap_kv *kv = &ev->yaml[i];
            const char *first = tap_get(ev, kv->key, &len);
            size_t j;

            put(b, " %s=", kv->key);
            put_bytes(b, kv->value, kv->len);
            if (kv->value[kv->len] != '\0' || first == NULL) {
                r->bad++;
            }
            for (j = 0; j < i && strcmp(ev->yaml[j].key, kv->key); j++) {
            }
            if (first != ev->yaml[j].value || len != ev->yaml[j].len) {
                r->bad++;   /* tap_get must give the first pair */
            }
        }
        if (ev->kind == TAP_TRUNCATED) {
            put_raw(b, " line=", 6);
            put_str(b, ev->text);
        }
        break;
    default:
        put_raw(b, " ", 1);
        put_str(b, ev->text);
        break;
    }
    put_raw(b, "\n", 1);
}

/* How parse() splits its input. */
enum split { WHOLE, BYTES, RANDOM };

/* Parse data[0..n) fed as split says; the events as text (caller frees),
 * *bad counting broken invariants. */
static char *parse(const char *data, size_t n, enum split split,
                   size_t *bad)
{
    struct rec r = {BUF_INIT, 0};
    struct tap_parser *p = tap_new(record, &r);
    size_t off = 0, chunk;

    if (p == NULL) {
        die("tap_new: out of memory");
    }
    while (off < n) {
        chunk = n - off;
        if (split == BYTES) {
            chunk = 1;
        } else if (split == RANDOM) {
            size_t most = rng() % 4 == 0 ? 4096 : 16;
            size_t c = 1 + (size_t)(rng() % most);

            chunk = c < chunk ? c : chunk;
        }
        if (tap_feed(p, data + off, chunk) != 0) {
            die("tap_feed failed");
        }
        off += chunk;
    }
    if (tap_finish(p) != 0) {
        die("tap_finish failed");
    }
    tap_free(p);
    *bad += r.bad;
    return buf_steal(&r.out);
}

/* Same events for whole, byte-by-byte and random splits of data? */
static int splits_agree(const char *data, size_t n, const char *whole,
                        size_t *bad)
{
    int ok = 1, k;
    char *s = parse(data, n, BYTES, bad);

    ok = strcmp(s, whole) == 0;
    free(s);
    for (k = 0; k < 4; k++) {
        s = parse(data, n, RANDOM, bad);
        ok = ok && strcmp(s, whole) == 0;
        free(s);
    }
    return ok;
}

/* Check the events of a stream (a string literal: NULs allowed) against
 * the expected text, for every split. */
#define EXPECT(name, stream, expected) \
    expect((name), (stream), sizeof(stream) - 1, (expected), __LINE__)

static void expect(const char *name, const char *data, size_t n,
                   const char *expected, int line)
{
    char what[200];
    size_t bad = 0;
    char *whole = parse(data, n, WHOLE, &bad);

    snprintf(what, sizeof what, "%s: events", name);
    unit_check_str(whole, expected, what, __FILE__, line);
    snprintf(what, sizeof what, "%s: same events for any split", name);
    unit_check(splits_agree(data, n, whole, &bad), what, __FILE__, line);
    snprintf(what, sizeof what, "%s: event invariants hold", name);
    unit_check(bad == 0, what, __FILE__, line);
    free(whole);
}

/* ---- the cases -------------------------------------------------------- */

static void test_header_example(void)
{
    EXPECT("header example",
           "TAP version 14\n"
           "# begin 0 60\n"
           "1..3\n"
           "ok 1 - tests/test_a.py::test_x\n"
           "  ---\n"
           "  outcome: passed\n"
           "  duration: 0.000412\n"
           "  stdout: \"line one\\nbad byte \\xff\\n\"\n"
           "  ...\n"
           "not ok 2 - tests/test_a.py::test_y\n"
           "  ---\n"
           "  ...\n"
           "Bail out! reason\n",
           "version 14\n"
           "comment [begin 0 60]\n"
           "plan 3 []\n"
           "test ok 1 [tests/test_a.py::test_x] outcome=[passed] "
           "duration=[0.000412] stdout=[line one\\x0abad byte \\xff\\x0a]\n"
           "test not-ok 2 [tests/test_a.py::test_y]\n"
           "bailout [reason]\n");
}

static void test_versions(void)
{
    EXPECT("versions",
           "TAP version 14\n"
           "TAP version 13\n"
           "TAP version 12\n"
           "TAP version x\n"
           "TAP version 14 extra\n"
           "TAP version 99999999999999999999999\n"
           "TAP version\n"
           "TAP  version 14  \n",
           "version 14\n"
           "version 13\n"
           "unknown [TAP version 12]\n"
           "unknown [TAP version x]\n"
           "unknown [TAP version 14 extra]\n"
           "unknown [TAP version 99999999999999999999999]\n"
           "unknown [TAP version]\n"
           "unknown [TAP  version 14  ]\n");
}

static void test_plans(void)
{
    EXPECT("plans",
           "1..3\n"
           "1..0 # SKIP no network\n"
           "1..0 # skip\n"
           "1..0 #SKIPPED: why  \n"
           "1..5 # a comment\n"
           "1..100000  \n"
           "1..\n"
           "1..x\n"
           "2..3\n"
           "1..3x\n"
           "1..-1\n"
           "1..99999999999999999999999\n",
           "plan 3 []\n"
           "plan 0 [no network]\n"
           "plan 0 []\n"
           "plan 0 [why]\n"
           "plan 5 []\n"
           "plan 100000 []\n"
           "unknown [1..]\n"
           "unknown [1..x]\n"
           "unknown [2..3]\n"
           "unknown [1..3x]\n"
           "unknown [1..-1]\n"
           "unknown [1..99999999999999999999999]\n");
}

static void test_points(void)
{
    EXPECT("test points",
           "ok\n"
           "not ok\n"
           "ok 5\n"
           "ok 6 - six\n"
           "ok seven\n"
           "ok - eight\n"
           "not ok 9 nine\n"
           "ok 10 -\n"
           "ok 11 -dash\n"
           "ok 12abc\n"
           "ok\t13\t-\ttabs\t\n"
           "not ok 14 - fourteen   \n"
           "ok 15 - the - dash - stays\n"
           "ok 99999999999999999999999 - too big\n",
           "test ok 0 []\n"
           "test not-ok 0 []\n"
           "test ok 5 []\n"
           "test ok 6 [six]\n"
           "test ok 0 [seven]\n"
           "test ok 0 [eight]\n"
           "test not-ok 9 [nine]\n"
           "test ok 10 []\n"
           "test ok 11 [-dash]\n"
           "test ok 0 [12abc]\n"
           "test ok 13 [tabs]\n"
           "test not-ok 14 [fourteen]\n"
           "test ok 15 [the - dash - stays]\n"
           "unknown [ok 99999999999999999999999 - too big]\n");
}

static void test_directives(void)
{
    EXPECT("directives and escapes",
           "ok 1 - a # SKIP no db\n"
           "ok 2 - b # skip\n"
           "not ok 3 - c # TODO later\n"
           "not ok 4 # todo\n"
           "ok 5 - d # SkIp   mixed case  \n"
           "ok 6 - e #SKIP tight\n"
           "ok 7 - f # skipped: past tense\n"
           "ok 8 - g # not a directive\n"
           "ok 9 - has \\# hash # SKIP real\n"
           "ok 10 - back \\\\ slash \\q\n"
           "ok 11 - esc \\\\# TODO after escaped backslash\n"
           "ok 12 - x # bar # TODO two hashes\n"
           "ok 13 - \\# SKIP escaped directive\n"
           "not ok 14 - i # ToDo: why \\# not\n"
           "ok 15 - j # SKIPx1 no\n",
           "test ok 1 [a] skip [no db]\n"
           "test ok 2 [b] skip []\n"
           "test not-ok 3 [c] todo [later]\n"
           "test not-ok 4 [] todo []\n"
           "test ok 5 [d] skip [mixed case]\n"
           "test ok 6 [e] skip [tight]\n"
           "test ok 7 [f] skip [past tense]\n"
           "test ok 8 [g # not a directive]\n"
           "test ok 9 [has # hash] skip [real]\n"
           "test ok 10 [back \\ slash \\q]\n"
           "test ok 11 [esc \\] todo [after escaped backslash]\n"
           "test ok 12 [x # bar] todo [two hashes]\n"
           "test ok 13 [# SKIP escaped directive]\n"
           "test not-ok 14 [i] todo [why # not]\n"
           "test ok 15 [j # SKIPx1 no]\n");
}

static void test_comments_bailout_pragma(void)
{
    EXPECT("comments, bail out, pragma",
           "# hello\n"
           "#tight\n"
           "   # indented\n"
           "#\n"
           "# keeps # inner \\# text  \n"
           "Bail out! db down  \n"
           "Bail out!\n"
           "bail out! lower\n"
           "Bail out\n"
           "pragma +strict\n"
           "pragma -strict  \n"
           "pragma strict\n"
           "pragma +\n"
           "pragma\n",
           "comment [hello]\n"
           "comment [tight]\n"
           "comment [indented]\n"
           "comment []\n"
           "comment [keeps # inner \\# text  ]\n"
           "bailout [db down]\n"
           "bailout []\n"
           "bailout [lower]\n"
           "unknown [Bail out]\n"
           "pragma [+strict]\n"
           "pragma [-strict]\n"
           "unknown [pragma strict]\n"
           "unknown [pragma +]\n"
           "unknown [pragma]\n");
}

static void test_yaml_values(void)
{
    EXPECT("yaml values",
           "not ok 1 - y\n"
           "  ---\n"
           "  plain: some text  \n"
           "  empty:\n"
           "  empty2: \n"
           "  quoted: \"a\\\\b\\\"c\\nd\\re\\tf\"\n"
           "  nul: \"x\\0y\\x00z\"\n"
           "  hex: \"\\xff\\xFE\\x41\\x7f\"\n"
           "  spaced: \"  keep  \"  \n"
           "  colon: a: b\n"
           "  num: 0.5\n"
           "  dotted.key-name_2: v\n"
           "  emptyq: \"\"\n"
           "  dup: first\n"
           "  dup: second\n"
           "  ...\n"
           "ok 2\n",
           "test not-ok 1 [y] plain=[some text] empty=[] empty2=[] "
           "quoted=[a\\b\"c\\x0ad\\x0de\\x09f] nul=[x\\x00y\\x00z] "
           "hex=[\\xff\\xfeA\\x7f] spaced=[  keep  ] colon=[a: b] num=[0.5] "
           "dotted.key-name_2=[v] emptyq=[] dup=[first] dup=[second]\n"
           "test ok 2 []\n");
}

static void test_yaml_malformed(void)
{
    EXPECT("malformed yaml lines are skipped",
           "ok 2 - m\n"
           "  ---\n"
           "  good: 1\n"
           "  no colon here\n"
           "  badesc: \"\\q\"\n"
           "  badhex: \"\\xZZ\"\n"
           "  shorthex: \"\\x4\"\n"
           "  endhex: \"\\x4\n"
           "  open: \"never closed\n"
           "  trailing: \"x\" junk\n"
           "  lonebs: \"abc\\\n"
           "   three: spaces\n"
           "\ttab: x\n"
           "  key:novalue\n"
           "  : nokey\n"
           "  - item\n"
           "  ---\n"
           "  bad key: v\n"
           "  nul\0key: v\n"
           "ok 3 - inside a block is no test point\n"
           "Bail out! nope\n"
           "# not a comment\n"
           "TAP version 14\n"
           "1..9\n"
           "\n"
           "  after: 2\n"
           "  ...\n",
           "test ok 2 [m] good=[1] after=[2]\n");
}

static void test_fake_points_in_values(void)
{
    EXPECT("test points inside values",
           "ok 1 - a\n"
           "  ---\n"
           "  stdout: \"ok 2 - fake\\nnot ok 3\\n  ...\\nBail out! x\\n\"\n"
           "  plain: ok 4 - also fake\n"
           "  ...\n"
           "ok 5 - real\n",
           "test ok 1 [a] stdout=[ok 2 - fake\\x0anot ok 3\\x0a  ...\\x0a"
           "Bail out! x\\x0a] plain=[ok 4 - also fake]\n"
           "test ok 5 [real]\n");
}

static void test_pending(void)
{
    EXPECT("pending point delivered by the next line",
           "ok 1\n# c\nnot ok 2\nok 3",
           "test ok 1 []\ncomment [c]\ntest not-ok 2 []\ntest ok 3 []\n");
    EXPECT("blank line ends the point",
           "ok 1\n\n  ---\n  k: v\n  ...\n",
           "test ok 1 []\nunknown []\nunknown [  ---]\n"
           "unknown [  k: v]\nunknown [  ...]\n");
    EXPECT("block markers: indent exactly two, trailing blanks allowed",
           "ok 1\n   ---\nok 2\n ---\nok 3\n  --- \n  k: v\n  ...  \n"
           "  ...\n",
           "test ok 1 []\nunknown [   ---]\ntest ok 2 []\nunknown [ ---]\n"
           "test ok 3 [] k=[v]\nunknown [  ...]\n");
    EXPECT("yaml block not after a test point",
           "# c\n  ---\n  k: v\n  ...\n",
           "comment [c]\nunknown [  ---]\nunknown [  k: v]\n"
           "unknown [  ...]\n");
    EXPECT("last line without newline ends a block",
           "ok 4\n  ---\n  ...",
           "test ok 4 []\n");
}

static void test_truncated(void)
{
    EXPECT("truncated in a block",
           "ok 1 - a\n  ---\n  k: v\n",
           "truncated ok 1 [a] k=[v] line=[ok 1 - a]\n");
    EXPECT("truncated just after the start",
           "not ok 2 # TODO x\n  ---",
           "truncated not-ok 2 [] todo [x] line=[not ok 2 # TODO x]\n");
    EXPECT("truncated in a quoted value",
           "ok 3\n  ---\n  out: \"partial",
           "truncated ok 3 [] line=[ok 3]\n");
    EXPECT("truncated after complete points",
           "ok 1\nok 2\n  ---\n  ...\nok 3\n  ---\n  a: 1\n  b: \"2\"\n",
           "test ok 1 []\ntest ok 2 []\n"
           "truncated ok 3 [] a=[1] b=[2] line=[ok 3]\n");
}

static void test_crlf(void)
{
    EXPECT("CRLF line ends",
           "TAP version 14\r\n1..2\r\n# note\r\nok 1 - a\r\n  ---\r\n"
           "  k: \"v\"\r\n  plain: p  \r\n  ...\r\n"
           "not ok 2 - b # SKIP r\r\nBail out! now\r\n",
           "version 14\nplan 2 []\ncomment [note]\n"
           "test ok 1 [a] k=[v] plain=[p]\n"
           "test not-ok 2 [b] skip [r]\nbailout [now]\n");
    EXPECT("mixed line ends, lone CR kept",
           "ok 1\r\n  ---\n  k: a\rb\r\n  ...\r\nok 2\rx\n",
           "test ok 1 [] k=[a\\x0db]\ntest ok 0 [2\\x0dx]\n");
}

static void test_garbage(void)
{
    EXPECT("garbage lines",
           "okay\n"
           "ok1\n"
           "not okay\n"
           "not  ok 1\n"
           "nok 1\n"
           " ok 1\n"
           "OK 1\n"
           "\xff\xfe bin\x01" "ary\0tail\n"
           "\0\0\0\n"
           "  ...\n"
           "  ---\n"
           "\n"
           "  key: value\n"
           "    ok 1 - subtest\n"
           "ok 2 - real after garbage\n"
           "random \x80\x81 junk",
           "unknown [okay]\n"
           "unknown [ok1]\n"
           "unknown [not okay]\n"
           "unknown [not  ok 1]\n"
           "unknown [nok 1]\n"
           "unknown [ ok 1]\n"
           "unknown [OK 1]\n"
           "unknown [\\xff\\xfe bin\\x01ary]\n"
           "unknown []\n"
           "unknown [  ...]\n"
           "unknown [  ---]\n"
           "unknown []\n"
           "unknown [  key: value]\n"
           "unknown [    ok 1 - subtest]\n"
           "test ok 2 [real after garbage]\n"
           "unknown [random \\x80\\x81 junk]\n");
    EXPECT("empty stream", "", "");
    EXPECT("lone CR", "\r", "unknown []\n");
}

/* tap_get on the events of one stream. */
struct get_ctx {
    int tests;
    int ok;
};

static void check_get(void *ctx, const struct tap_event *ev)
{
    struct get_ctx *g = ctx;
    size_t len = 99;
    const char *v;

    if (ev->kind != TAP_TEST) {
        return;
    }
    g->tests++;
    if (ev->number == 1) {
        v = tap_get(ev, "a", &len);
        g->ok += v != NULL && len == 3 && memcmp(v, "x\0y", 4) == 0;
        v = tap_get(ev, "b", NULL);
        g->ok += v != NULL && strcmp(v, "plain") == 0;
        len = 99;
        g->ok += tap_get(ev, "c", &len) == NULL && len == 99;
        g->ok += tap_get(ev, "", &len) == NULL;
        g->ok += ev->nyaml == 3;
    } else {
        g->ok += ev->nyaml == 0 && ev->yaml == NULL &&
                 tap_get(ev, "a", &len) == NULL;
    }
}

static void test_get(void)
{
    static const char s[] =
        "ok 1\n  ---\n  a: \"x\\0y\"\n  b: plain\n  a: dup\n  ...\nok 2\n";
    struct get_ctx g = {0, 0};
    struct tap_parser *p = tap_new(check_get, &g);

    CHECK(p != NULL);
    if (p == NULL) {
        return;
    }
    CHECK(tap_feed(p, s, sizeof s - 1) == 0);
    CHECK(tap_finish(p) == 0);
    CHECK(g.tests == 2);
    CHECK(g.ok == 6);
    tap_free(p);
}

/* The parser is ready for a new stream after tap_finish. */
static void test_reuse(void)
{
    struct rec r = {BUF_INIT, 0};
    struct tap_parser *p = tap_new(record, &r);

    CHECK(p != NULL);
    if (p == NULL) {
        return;
    }
    CHECK(tap_feed(p, "ok 1\n  ---\n  k: v\n  ", 20) == 0);
    CHECK(tap_finish(p) == 0);
    CHECK(tap_feed(p, "ok 2\nok", 7) == 0);
    CHECK(tap_finish(p) == 0);
    CHECK(tap_finish(p) == 0);
    CHECK_STR(r.out.data, "truncated ok 1 [] k=[v] line=[ok 1]\n"
                          "test ok 2 []\ntest ok 0 []\n");
    tap_free(p);
    buf_free(&r.out);
    tap_free(NULL);
    /* freed with a point and a line pending: nothing leaks */
    p = tap_new(record, &r);
    CHECK(p != NULL);
    if (p != NULL) {
        static const char part[] = "ok 1\n  ---\n  k: \"v\"\n  partial";

        CHECK(tap_feed(p, part, strlen(part)) == 0);
        tap_free(p);
    }
    CHECK(r.out.data == NULL);
}

/* Lines longer than TAP_MAX_LINE are cut there; parsing goes on. */
static void feed_run(struct tap_parser *p, char c, size_t n)
{
    static char block[1 << 20];
    size_t k;

    memset(block, c, sizeof block);
    while (n > 0) {
        k = n < sizeof block ? n : sizeof block;
        if (tap_feed(p, block, k) != 0) {
            die("tap_feed failed on a long line");
        }
        n -= k;
    }
}

static void test_long_lines(void)
{
    struct rec r = {BUF_INIT, 0};
    struct tap_parser *p = tap_new(record, &r);
    char expected[400];

    CHECK(p != NULL);
    if (p == NULL) {
        return;
    }
    /* exactly TAP_MAX_LINE: kept whole */
    feed_run(p, 'a', TAP_MAX_LINE);
    CHECK(tap_feed(p, "\n", 1) == 0);
    /* longer: cut at TAP_MAX_LINE, the rest dropped */
    feed_run(p, 'b', TAP_MAX_LINE + (3u << 20) + 5);
    CHECK(tap_feed(p, "\r\nok 1 - after\n  ---\n  big: \"", 29) == 0);
    /* a cut line inside a block is a malformed pair: skipped */
    feed_run(p, 'c', TAP_MAX_LINE + 10);
    CHECK(tap_feed(p, "\"\n  small: s\n  ...\n# end\n", 25) == 0);
    CHECK(tap_finish(p) == 0);
    snprintf(expected, sizeof expected,
             "unknown [<%u bytes>]\nunknown [<%u bytes>]\n"
             "test ok 1 [after] small=[s]\ncomment [end]\n",
             TAP_MAX_LINE, TAP_MAX_LINE);
    CHECK_STR(r.out.data, expected);
    CHECK(r.bad == 0);
    tap_free(p);
    buf_free(&r.out);
}

/* A 1 MiB value of every byte value, escaped in all the ways the format
 * allows, decoded exactly whatever the split. */
struct big_ctx {
    struct buf value;
    int found;
};

static void keep_value(void *ctx, const struct tap_event *ev)
{
    struct big_ctx *b = ctx;
    const char *v;
    size_t len;

    if (ev->kind == TAP_TEST && ev->number == 1) {
        v = tap_get(ev, "stdout", &len);
        if (v != NULL) {
            b->found++;
            buf_clear(&b->value);
            put_raw(&b->value, v, len);
        }
    }
}

static void test_big_value(void)
{
    const size_t n = 1u << 20;
    struct buf stream = BUF_INIT;
    char *want = malloc(n);
    enum split split;
    size_t i;

    if (want == NULL) {
        die("out of memory");
    }
    put(&stream, "ok 1 - big\n  ---\n  stdout: \"");
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)((i * 7 + 3) ^ (i >> 9));

        want[i] = (char)c;
        if (c == '\\') {
            put(&stream, "\\\\");
        } else if (c == '"') {
            put(&stream, "\\\"");
        } else if (c == '\n') {
            put(&stream, "\\n");
        } else if (c == '\r') {
            put(&stream, "\\r");
        } else if (c == '\t') {
            put(&stream, "\\t");
        } else if (c == 0) {
            put(&stream, i % 2 ? "\\0" : "\\x00");
        } else if (c >= 0x20 && c < 0x7f && i % 3) {
            put_raw(&stream, &c, 1);
        } else {
            put(&stream, i % 2 ? "\\x%02x" : "\\x%02X", c);
        }
    }
    put(&stream, "\"\n  ...\nok 2\n");
    for (split = WHOLE; split <= RANDOM; split++) {
        struct big_ctx b = {BUF_INIT, 0};
        struct tap_parser *p = tap_new(keep_value, &b);
        size_t off = 0, chunk;
        int fed = 1;

        if (p == NULL) {
            die("out of memory");
        }
        while (off < stream.len) {
            chunk = split == WHOLE ? stream.len - off
                  : split == BYTES ? 1 : 1 + (size_t)(rng() % 70000);
            if (chunk > stream.len - off) {
                chunk = stream.len - off;
            }
            fed = fed && tap_feed(p, stream.data + off, chunk) == 0;
            off += chunk;
        }
        fed = fed && tap_finish(p) == 0;
        unit_check(fed && b.found == 1 && b.value.len == n &&
                   memcmp(b.value.data, want, n) == 0,
                   split == WHOLE ? "1 MiB escaped value, fed whole"
                   : split == BYTES ? "1 MiB escaped value, byte by byte"
                   : "1 MiB escaped value, random chunks",
                   __FILE__, __LINE__);
        tap_free(p);
        buf_free(&b.value);
    }
    buf_free(&stream);
    free(want);
}

/* 100,000 test points with blocks, in random chunks: every point arrives,
 * in order, in linear time. */
struct count_ctx {
    long tests;
    long in_order;
    long pairs_ok;
};

static void count_tests(void *ctx, const struct tap_event *ev)
{
    struct count_ctx *c = ctx;
    size_t len;
    const char *v;

    if (ev->kind != TAP_TEST) {
        return;
    }
    c->tests++;
    c->in_order += ev->number == c->tests;
    v = tap_get(ev, "stdout", &len);
    c->pairs_ok += ev->nyaml == 3 && v != NULL && len == 7 &&
                   memcmp(v, "line\n\xff\0", 7) == 0;
}

static void test_many_points(void)
{
    const long n = 100000;
    struct buf stream = BUF_INIT;
    struct count_ctx c = {0, 0, 0};
    struct tap_parser *p = tap_new(count_tests, &c);
    clock_t t0;
    double secs;
    size_t off = 0, chunk;
    long i;

    if (p == NULL) {
        die("out of memory");
    }
    put(&stream, "TAP version 14\n1..%ld\n", n);
    for (i = 1; i <= n; i++) {
        put(&stream, "%sok %ld - tests/test_x.py::test_%ld\n  ---\n"
                     "  outcome: passed\n  duration: 0.000412\n"
                     "  stdout: \"line\\n\\xff\\0\"\n  ...\n",
            i % 10 ? "" : "not ", i, i);
    }
    t0 = clock();
    while (off < stream.len) {
        chunk = 1 + (size_t)(rng() % 8192);
        if (chunk > stream.len - off) {
            chunk = stream.len - off;
        }
        if (tap_feed(p, stream.data + off, chunk) != 0) {
            die("tap_feed failed");
        }
        off += chunk;
    }
    CHECK(tap_finish(p) == 0);
    secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    printf("# %ld test points, %zu bytes parsed in %.3f s CPU\n", n,
           stream.len, secs);
    CHECK(c.tests == n);
    CHECK(c.in_order == n);
    CHECK(c.pairs_ok == n);
    /* linear parsing takes well under a second; a parser that re-scans
     * its buffer per feed takes minutes */
    CHECK(secs < 30.0);
    tap_free(p);
    buf_free(&stream);
}

/* Random streams built from TAP fragments and random bytes: whatever the
 * split, the same events, and no invariant broken. */
static void test_fuzz_splits(void)
{
    static const char *const frag[] = {
        "ok", "not ok", " ", "1", "42", "- ", "#", " SKIP", " todo", "\\",
        "\n", "\n", "\r\n", "\r", "  ---\n", "  ...\n", "  k: \"", "\\x4",
        "\\x", "\"", "  v: plain", "Bail out!", "pragma +x", "1..", "TAP ",
        "version 14", "\0", "\xff", "  ",
    };
    const int streams = 300;
    int agree = 0, k, j, nfrag;
    size_t bad = 0;

    rng_state = 0x9e3779b97f4a7c15ull;
    for (k = 0; k < streams; k++) {
        struct buf s = BUF_INIT;
        char *whole;

        nfrag = 1 + (int)(rng() % 120);
        for (j = 0; j < nfrag; j++) {
            size_t f = (size_t)(rng() % (sizeof frag / sizeof frag[0] + 4));

            if (f < sizeof frag / sizeof frag[0]) {
                put_raw(&s, frag[f], frag[f][0] ? strlen(frag[f]) : 1);
            } else {
                char c = (char)rng();

                put_raw(&s, &c, 1);
            }
        }
        whole = parse(s.data, s.len, WHOLE, &bad);
        agree += splits_agree(s.data, s.len, whole, &bad);
        free(whole);
        buf_free(&s);
    }
    CHECK(agree == streams);
    CHECK(bad == 0);
}

int main(void)
{
    rng_state = 88172645463325252ull;
    test_header_example();
    test_versions();
    test_plans();
    test_points();
    test_directives();
    test_comments_bailout_pragma();
    test_yaml_values();
    test_yaml_malformed();
    test_fake_points_in_values();
    test_pending();
    test_truncated();
    test_crlf();
    test_garbage();
    test_get();
    test_reuse();
    test_long_lines();
    test_big_value();
    test_many_points();
    test_fuzz_splits();
    return unit_done();
}
