/* tap: the incremental, garbage-tolerant TAP 14 parser of the worker
 * protocol (see tap.h).
 *
 * How it works. Bytes are appended to one line buffer until a newline;
 * each feed scans only its own bytes (memchr), so a line that arrives in
 * a thousand pieces costs what it would cost whole. A complete line goes
 * to the state machine:
 *
 *   ST_LINE     a top-level line: version, plan, test point, comment,
 *               bail out, pragma, or unknown;
 *   ST_PENDING  a test point was read; the next line says whether a YAML
 *               block follows ("  ---") or not (deliver, then go on with
 *               that line as in ST_LINE);
 *   ST_YAML     inside the block: "  ..." delivers the test point, a
 *               `key: value` line adds a pair, anything else is skipped.
 *
 * Expected load: up to 100,000 test points per worker and YAML values of
 * up to 1 MiB of captured output, escaped (so lines of about 4 MiB). Every
 * step is linear in the bytes fed; the buffers keep their memory from one
 * test point to the next, and give it back when one line made them larger
 * than SHRINK_ABOVE. */
#include "tap.h"

#include "core/buf.h"

#include <assert.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* A buffer that grew beyond this for one odd line is freed after it. */
#define SHRINK_ABOVE (16u << 20)

enum state { ST_LINE, ST_PENDING, ST_YAML };

/* One YAML pair, as offsets into tap_parser.arena (which may move). */
struct pair {
    size_t key;
    size_t value;
    size_t len;
};

struct tap_parser {
    tap_callback cb;
    void *ctx;
    int failed;          /* memory ran out once: every call returns -1 */
    /* The line being read, without its newline; never more than
     * TAP_MAX_LINE bytes. cut: the line reached that size, the bytes up
     * to the next newline are dropped. */
    struct buf line;
    int cut;
    enum state state;
    /* The pending test point (ST_PENDING, ST_YAML): tp holds its line,
     * its unescaped description and reason, each NUL-terminated, at
     * offsets 0, tp_desc, tp_reason. */
    struct buf tp;
    size_t tp_desc;
    size_t tp_reason;
    int tp_ok;
    long tp_number;
    enum tap_directive tp_dir;
    /* Its YAML pairs: "key\0value\0" records in arena, indexed by pairs. */
    struct buf arena;
    struct pair *pairs;
    size_t npairs;
    size_t cap_pairs;
    /* The tap_kv array handed to the callback (rebuilt per delivery). */
    struct tap_kv *kv;
    size_t cap_kv;
};

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* The lower-case ASCII letter of c (other bytes unchanged). */
static char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* Does s[0..len) start with word (lower case), ignoring ASCII case? */
static int starts_nocase(const char *s, size_t len, const char *word)
{
    size_t i, n = strlen(word);

    if (len < n) {
        return 0;
    }
    for (i = 0; i < n; i++) {
        if (lower(s[i]) != word[i]) {
            return 0;
        }
    }
    return 1;
}

static size_t skip_blanks(const char *s, size_t i, size_t len)
{
    while (i < len && is_blank(s[i])) {
        i++;
    }
    return i;
}

/* The end of s[start..end) without its trailing blanks. */
static size_t trim_end(const char *s, size_t start, size_t end)
{
    while (end > start && is_blank(s[end - 1])) {
        end--;
    }
    return end;
}

/* Parse the decimal digits at s[*i..len) into *out. Returns 0, or -1 when
 * there are none or the number overflows a long. */
static int parse_long(const char *s, size_t *i, size_t len, long *out)
{
    long v = 0;
    size_t j = *i;

    if (j >= len || !is_digit(s[j])) {
        return -1;
    }
    for (; j < len && is_digit(s[j]); j++) {
        int d = s[j] - '0';

        if (v > (LONG_MAX - d) / 10) {
            return -1;
        }
        v = v * 10 + d;
    }
    *i = j;
    *out = v;
    return 0;
}

/* Is s[0..len) "  " + mark with nothing but blanks after it? */
static int is_marker(const char *s, size_t len, const char *mark)
{
    if (len < 5 || s[0] != ' ' || s[1] != ' ' || memcmp(s + 2, mark, 3)) {
        return 0;
    }
    return skip_blanks(s, 5, len) == len;
}

static void event_init(struct tap_event *ev, enum tap_kind kind,
                       const char *text)
{
    memset(ev, 0, sizeof *ev);
    ev->kind = kind;
    ev->description = "";
    ev->directive = TAP_DIR_NONE;
    ev->reason = "";
    ev->text = text;
}

static void emit(struct tap_parser *p, enum tap_kind kind, const char *text)
{
    struct tap_event ev;

    event_init(&ev, kind, text);
    p->cb(p->ctx, &ev);
}

static void reset_pending(struct tap_parser *p)
{
    buf_clear(&p->tp);
    buf_clear(&p->arena);
    p->npairs = 0;
    p->state = ST_LINE;
    if (p->arena.cap > SHRINK_ABOVE) {
        buf_free(&p->arena);
    }
    if (p->tp.cap > SHRINK_ABOVE) {
        buf_free(&p->tp);
    }
}

/* Hand the pending test point to the callback as kind (TAP_TEST or
 * TAP_TRUNCATED), then forget it. Returns 0 or -1 (no memory). */
static int deliver(struct tap_parser *p, enum tap_kind kind)
{
    struct tap_event ev;
    size_t i;

    if (p->npairs > p->cap_kv) {
        struct tap_kv *kv = realloc(p->kv, p->npairs * sizeof *kv);

        if (kv == NULL) {
            return -1;
        }
        p->kv = kv;
        p->cap_kv = p->npairs;
    }
    for (i = 0; i < p->npairs; i++) {
        p->kv[i].key = p->arena.data + p->pairs[i].key;
        p->kv[i].value = p->arena.data + p->pairs[i].value;
        p->kv[i].len = p->pairs[i].len;
    }
    event_init(&ev, kind, p->tp.data);
    ev.ok = p->tp_ok;
    ev.number = p->tp_number;
    ev.description = p->tp.data + p->tp_desc;
    ev.directive = p->tp_dir;
    ev.reason = p->tp.data + p->tp_reason;
    ev.yaml = p->npairs ? p->kv : NULL;
    ev.nyaml = p->npairs;
    p->cb(p->ctx, &ev);
    reset_pending(p);
    return 0;
}

/* Append s[start..end) to b with the TAP escapes \\ and \# undone, then a
 * NUL. Returns 0 or -1 (no memory). */
static int append_unescaped(struct buf *b, const char *s, size_t start,
                            size_t end)
{
    size_t i = start, run = start;

    while (i < end) {
        if (s[i] == '\\' && i + 1 < end && (s[i + 1] == '\\' ||
                                            s[i + 1] == '#')) {
            if (buf_append(b, s + run, i - run) != 0) {
                return -1;
            }
            run = i + 1;   /* keep the escaped character */
            i += 2;
        } else {
            i++;
        }
    }
    if (buf_append(b, s + run, end - run) != 0) {
        return -1;
    }
    return buf_append(b, "", 1);
}

/* Does s[i..len) (just after an unescaped '#') hold a SKIP or TODO
 * directive? Sets *dir and *reason (where the reason starts). The word
 * may run on in letters ("skipped") and end in ':'. */
static int directive_at(const char *s, size_t i, size_t len,
                        enum tap_directive *dir, size_t *reason)
{
    enum tap_directive d;

    i = skip_blanks(s, i, len);
    if (starts_nocase(s + i, len - i, "skip")) {
        d = TAP_DIR_SKIP;
    } else if (starts_nocase(s + i, len - i, "todo")) {
        d = TAP_DIR_TODO;
    } else {
        return 0;
    }
    i += 4;
    while (i < len && is_alpha(s[i])) {
        i++;
    }
    if (i < len && s[i] == ':') {
        i++;
    }
    if (i < len && !is_blank(s[i])) {
        return 0;
    }
    *dir = d;
    *reason = skip_blanks(s, i, len);
    return 1;
}

/* A test point: "ok" or "not ok", an optional number, an optional "- ",
 * a description, an optional directive. Returns 1 (it is one: now
 * pending), 0 (it is not), -1 (no memory). */
static int test_point(struct tap_parser *p, const char *s, size_t len)
{
    size_t i, j, desc_end, reason = len;
    enum tap_directive dir = TAP_DIR_NONE;
    long number = 0;
    int ok;

    if (len >= 2 && memcmp(s, "ok", 2) == 0) {
        ok = 1;
        i = 2;
    } else if (len >= 6 && memcmp(s, "not ok", 6) == 0) {
        ok = 0;
        i = 6;
    } else {
        return 0;
    }
    if (i < len && !is_blank(s[i])) {
        return 0;   /* "okay", "ok1" */
    }
    i = skip_blanks(s, i, len);
    j = i;
    if (j < len && is_digit(s[j])) {
        if (parse_long(s, &j, len, &number) != 0) {
            return 0;   /* a number too large is no test point */
        }
        if (j < len && !is_blank(s[j])) {
            number = 0;   /* "ok 12abc": the description is "12abc" */
        } else {
            i = skip_blanks(s, j, len);
        }
    }
    if (i < len && s[i] == '-' && (i + 1 == len || is_blank(s[i + 1]))) {
        i = skip_blanks(s, i + 1, len);
    }
    desc_end = len;
    for (j = i; j < len; j++) {
        if (s[j] == '\\' && j + 1 < len) {
            j++;
        } else if (s[j] == '#' && directive_at(s, j + 1, len, &dir,
                                                &reason)) {
            desc_end = j;
            break;
        }
    }
    buf_clear(&p->tp);
    if (buf_append(&p->tp, s, len) != 0 || buf_append(&p->tp, "", 1)) {
        return -1;
    }
    p->tp_desc = p->tp.len;
    if (append_unescaped(&p->tp, s, i, trim_end(s, i, desc_end)) != 0) {
        return -1;
    }
    p->tp_reason = p->tp.len;
    if (append_unescaped(&p->tp, s, reason, trim_end(s, reason, len))) {
        return -1;
    }
    p->tp_ok = ok;
    p->tp_number = number;
    p->tp_dir = dir;
    p->npairs = 0;
    buf_clear(&p->arena);
    p->state = ST_PENDING;
    return 1;
}

/* "1..N", then nothing, or "# SKIP reason", or "# a comment". Returns 1
 * (delivered), 0 (not a plan). s is writable and NUL-terminated. */
static int plan(struct tap_parser *p, char *s, size_t len)
{
    struct tap_event ev;
    size_t i = 3;
    long count;
    const char *reason = "";

    if (len < 4 || memcmp(s, "1..", 3) != 0 ||
        parse_long(s, &i, len, &count) != 0) {
        return 0;
    }
    i = skip_blanks(s, i, len);
    if (i < len) {
        if (s[i] != '#') {
            return 0;
        }
        i = skip_blanks(s, i + 1, len);
        if (starts_nocase(s + i, len - i, "skip")) {
            i += 4;
            while (i < len && is_alpha(s[i])) {
                i++;
            }
            if (i < len && s[i] == ':') {
                i++;
            }
            if (i == len || is_blank(s[i])) {
                i = skip_blanks(s, i, len);
                s[trim_end(s, i, len)] = '\0';
                reason = s + i;
            }
        }
    }
    event_init(&ev, TAP_PLAN, reason);
    ev.plan_count = count;
    p->cb(p->ctx, &ev);
    return 1;
}

/* "TAP version N", N at least 13. Returns 1 (delivered) or 0. */
static int version(struct tap_parser *p, const char *s, size_t len)
{
    struct tap_event ev;
    size_t i = 11;
    long v;

    if (!starts_nocase(s, len, "tap version") || i >= len ||
        !is_blank(s[i])) {
        return 0;
    }
    i = skip_blanks(s, i, len);
    if (parse_long(s, &i, len, &v) != 0 || v < 13 || v > 9999 ||
        skip_blanks(s, i, len) != len) {
        return 0;
    }
    event_init(&ev, TAP_VERSION, s);
    ev.version = (int)v;
    p->cb(p->ctx, &ev);
    return 1;
}

/* A top-level line (no test point pending). s is writable and
 * NUL-terminated at len. Returns 0 or -1 (no memory). */
static int top_line(struct tap_parser *p, char *s, size_t len)
{
    size_t i;
    int r;

    r = test_point(p, s, len);
    if (r != 0) {
        return r < 0 ? -1 : 0;
    }
    if (plan(p, s, len) || version(p, s, len)) {
        return 0;
    }
    i = skip_blanks(s, 0, len);
    if (i < len && s[i] == '#') {
        emit(p, TAP_COMMENT, s + skip_blanks(s, i + 1, len));
        return 0;
    }
    if (starts_nocase(s, len, "bail out!")) {
        i = skip_blanks(s, 9, len);
        s[trim_end(s, i, len)] = '\0';
        emit(p, TAP_BAILOUT, s + i);
        return 0;
    }
    if (len > 6 && memcmp(s, "pragma", 6) == 0 && is_blank(s[6])) {
        i = skip_blanks(s, 6, len);
        if (i + 1 < len && (s[i] == '+' || s[i] == '-') &&
            !is_blank(s[i + 1])) {
            s[trim_end(s, i, len)] = '\0';
            emit(p, TAP_PRAGMA, s + i);
            return 0;
        }
    }
    emit(p, TAP_UNKNOWN, s);
    return 0;
}

static int is_key_char(char c)
{
    return is_alpha(c) || is_digit(c) || c == '_' || c == '-' || c == '.';
}

/* Decode the double-quoted value at s[i] == '"' into the arena. Returns
 * 1 (done), 0 (malformed: the arena may hold a partial value), -1 (no
 * memory). */
static int quoted(struct tap_parser *p, const char *s, size_t i, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    const char *h1, *h2;
    char c;

    i++;
    for (;;) {
        size_t run = i;

        while (i < len && s[i] != '"' && s[i] != '\\') {
            i++;
        }
        if (buf_append(&p->arena, s + run, i - run) != 0) {
            return -1;
        }
        if (i < len && s[i] == '"') {
            break;
        }
        if (i + 1 >= len) {
            return 0;   /* no closing quote, or a lone backslash */
        }
        switch (s[i + 1]) {
        case '\\': c = '\\'; break;
        case '"': c = '"'; break;
        case 'n': c = '\n'; break;
        case 'r': c = '\r'; break;
        case 't': c = '\t'; break;
        case '0': c = '\0'; break;
        case 'x':
            if (i + 3 >= len || s[i + 2] == '\0' || s[i + 3] == '\0') {
                return 0;
            }
            h1 = strchr(hex, lower(s[i + 2]));
            h2 = strchr(hex, lower(s[i + 3]));
            if (h1 == NULL || h2 == NULL) {
                return 0;
            }
            c = (char)(unsigned char)((h1 - hex) * 16 + (h2 - hex));
            i += 2;
            break;
        default:
            return 0;
        }
        if (buf_append(&p->arena, &c, 1) != 0) {
            return -1;
        }
        i += 2;
    }
    /* the closing quote at s[i]: only blanks may follow */
    return skip_blanks(s, i + 1, len) == len;
}

/* A line inside a YAML block: "  key: value" adds a pair, anything else
 * is skipped. Returns 0 or -1 (no memory). */
static int yaml_line(struct tap_parser *p, const char *s, size_t len)
{
    size_t i = 2, key, value, mark = p->arena.len;
    int r;

    if (len < 3 || s[0] != ' ' || s[1] != ' ' || !is_key_char(s[2])) {
        return 0;
    }
    while (i < len && is_key_char(s[i])) {
        i++;
    }
    if (i >= len || s[i] != ':' || (i + 1 < len && !is_blank(s[i + 1]))) {
        return 0;
    }
    if (p->npairs == p->cap_pairs) {
        size_t cap = p->cap_pairs ? 2 * p->cap_pairs : 16;
        struct pair *np = realloc(p->pairs, cap * sizeof *np);

        if (np == NULL) {
            return -1;
        }
        p->pairs = np;
        p->cap_pairs = cap;
    }
    key = p->arena.len;
    if (buf_append(&p->arena, s + 2, i - 2) != 0 ||
        buf_append(&p->arena, "", 1) != 0) {
        return -1;
    }
    value = p->arena.len;
    i = skip_blanks(s, i + 1, len);
    if (i < len && s[i] == '"') {
        r = quoted(p, s, i, len);
    } else {
        r = buf_append(&p->arena, s + i, trim_end(s, i, len) - i) ? -1 : 1;
    }
    if (r == 1 && buf_append(&p->arena, "", 1) != 0) {
        r = -1;
    }
    if (r != 1) {
        /* malformed (or no memory): forget the partial pair */
        p->arena.len = mark;
        if (p->arena.data != NULL) {
            p->arena.data[mark] = '\0';
        }
        return r;
    }
    p->pairs[p->npairs].key = key;
    p->pairs[p->npairs].value = value;
    p->pairs[p->npairs].len = p->arena.len - 1 - value;
    p->npairs++;
    return 0;
}

/* One complete line (its newline, and a '\r' before it, removed). */
static int on_line(struct tap_parser *p)
{
    char *s = p->line.data;
    size_t len = p->line.len;

    if (!p->cut && len > 0 && s[len - 1] == '\r') {
        s[--len] = '\0';
    }
    switch (p->state) {
    case ST_YAML:
        if (is_marker(s, len, "...")) {
            return deliver(p, TAP_TEST);
        }
        return yaml_line(p, s, len);
    case ST_PENDING:
        if (is_marker(s, len, "---")) {
            p->state = ST_YAML;
            return 0;
        }
        if (deliver(p, TAP_TEST) != 0) {
            return -1;
        }
        break;
    case ST_LINE:
        break;
    }
    return top_line(p, s, len);
}

/* After a line: empty the line buffer, giving back memory that one very
 * long line took. Returns 0 or -1 (no memory). */
static int next_line(struct tap_parser *p)
{
    p->cut = 0;
    if (p->line.cap > SHRINK_ABOVE) {
        buf_free(&p->line);
        return buf_append(&p->line, "", 0);
    }
    buf_clear(&p->line);
    return 0;
}

/* A new parser that calls cb(ctx, ev) for each event. cb must not be
 * NULL and must not feed this parser. Returns NULL when memory runs out;
 * tap_free frees the parser. */
struct tap_parser *tap_new(tap_callback cb, void *ctx)
{
    struct tap_parser *p;

    assert(cb != NULL);
    p = calloc(1, sizeof *p);
    if (p == NULL) {
        return NULL;
    }
    p->cb = cb;
    p->ctx = ctx;
    p->state = ST_LINE;
    /* line.data is never NULL from here on: lines are edited in place */
    if (buf_append(&p->line, "", 0) != 0) {
        tap_free(p);
        return NULL;
    }
    return p;
}

/* Feed n bytes; complete lines are parsed at once (events delivered from
 * inside this call), the rest waits for more. Returns 0, or -1 when
 * memory runs out: the stream is then lost and every later call returns
 * -1 (tap_free still frees everything). */
int tap_feed(struct tap_parser *p, const char *data, size_t n)
{
    if (p->failed) {
        return -1;
    }
    while (n > 0) {
        const char *nl = memchr(data, '\n', n);
        size_t take = nl != NULL ? (size_t)(nl - data) : n;

        if (!p->cut) {
            size_t room = TAP_MAX_LINE - p->line.len;
            size_t keep = take < room ? take : room;

            if (buf_append(&p->line, data, keep) != 0) {
                goto fail;
            }
            if (keep < take) {
                p->cut = 1;   /* the rest of this line is dropped */
            }
        }
        if (nl == NULL) {
            break;
        }
        if (on_line(p) != 0 || next_line(p) != 0) {
            goto fail;
        }
        data += take + 1;
        n -= take + 1;
    }
    return 0;
fail:
    p->failed = 1;
    return -1;
}

/* The end of the stream: the last line (even without a newline), then
 * the pending test point: delivered as TAP_TEST when it has no YAML
 * block, as TAP_TRUNCATED (with the pairs read so far) when its block
 * never ended. The parser is then ready for a new stream. Returns 0, or
 * -1 when memory runs out (or ran out before). */
int tap_finish(struct tap_parser *p)
{
    if (p->failed) {
        return -1;
    }
    if ((p->line.len > 0 || p->cut) &&
        (on_line(p) != 0 || next_line(p) != 0)) {
        goto fail;
    }
    if (p->state == ST_PENDING && deliver(p, TAP_TEST) != 0) {
        goto fail;
    }
    if (p->state == ST_YAML && deliver(p, TAP_TRUNCATED) != 0) {
        goto fail;
    }
    return 0;
fail:
    p->failed = 1;
    return -1;
}

/* Free the parser and everything it owns; NULL is allowed. */
void tap_free(struct tap_parser *p)
{
    if (p == NULL) {
        return;
    }
    buf_free(&p->line);
    buf_free(&p->tp);
    buf_free(&p->arena);
    free(p->pairs);
    free(p->kv);
    free(p);
}

/* The value of the first pair named key in ev's YAML block (NUL-terminated,
 * owned by the parser, valid during the callback), its length in *len when
 * len is not NULL; NULL when there is no such pair. */
const char *tap_get(const struct tap_event *ev, const char *key, size_t *len)
{
    size_t i;

    for (i = 0; i < ev->nyaml; i++) {
        if (strcmp(ev->yaml[i].key, key) == 0) {
            if (len != NULL) {
                *len = ev->yaml[i].len;
            }
            return ev->yaml[i].value;
        }
    }
    return NULL;
}
