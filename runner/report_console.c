/* report_console: the console report (see report_console.h). */
#include "report_console.h"

#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "core/buf.h"

#define FILE_MARKS 60   /* outcome letters shown per file line */
#define SHOW_OUTPUT (8u << 10) /* captured bytes shown per failure: the
                                   end; the JUnit report has it all */

struct console {
    FILE *out;
    int verbosity;
    int color;
    int collect_only;
    int progress;         /* "[ 42%]" at the end of each file line */
    int width;            /* of the terminal, for progress */
    struct res_summary sum;
    size_t collected;
    size_t nfiles, files_done;
    size_t deselected;
    int stopped;          /* -x ended the run */
    size_t tests_left, files_left;
    struct buf failures;  /* the details, printed at the end */
    struct buf shortlist; /* "FAILED id - message" lines */
};

static const char *paint(const struct console *c, const char *code)
{
    return c->color ? code : "";
}

#define RED "\033[31m"
#define GREEN "\033[32m"
#define YELLOW "\033[33m"
#define BOLD "\033[1m"
#define RESET "\033[0m"

/* Columns of the terminal out is, else $COLUMNS, else 80. */
static int terminal_width(FILE *out)
{
    struct winsize ws;
    const char *cols = getenv("COLUMNS");

    if (ioctl(fileno(out), TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20) {
        return ws.ws_col;
    }
    if (cols != NULL && atoi(cols) >= 20) {
        return atoi(cols);
    }
    return 80;
}

struct console *console_new(FILE *out, const struct cli_opts *o)
{
    struct console *c = calloc(1, sizeof *c);
    const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");

    if (c == NULL) {
        return NULL;
    }
    c->out = out;
    c->verbosity = o->verbosity;
    c->collect_only = o->collect_only;
    switch (o->color) {
    case CLI_COLOR_ALWAYS:
        c->color = 1;
        break;
    case CLI_COLOR_NEVER:
        c->color = 0;
        break;
    default:
        c->color = isatty(fileno(out)) && !(nc && nc[0]) &&
                   !(term && strcmp(term, "dumb") == 0);
        break;
    }
    /* --color=always writes as for a terminal, piped or not */
    c->progress = isatty(fileno(out)) || o->color == CLI_COLOR_ALWAYS;
    c->width = terminal_width(out);
    return c;
}

void console_set_files(struct console *c, size_t nfiles)
{
    c->nfiles = nfiles;
}

void console_stopped(struct console *c, size_t tests_left,
                     size_t files_left)
{
    c->stopped = 1;
    c->tests_left = tests_left;
    c->files_left = files_left;
}

size_t console_deselected(const struct console *c)
{
    return c->deselected;
}

static char mark(enum res_outcome o)
{
    switch (o) {
    case RES_PASSED: return '.';
    case RES_FAILED: return 'F';
    case RES_ERROR: return 'E';
    case RES_SKIPPED: return 's';
    case RES_XFAILED: return 'x';
    case RES_XPASSED: return 'X';
    }
    return '?';
}

/* Text for the console: control characters other than \n and \t are
 * shown as \xNN, so a test cannot drive the terminal. */
static void put_text(struct buf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];

        if ((ch < 0x20 && ch != '\n' && ch != '\t') || ch == 0x7f) {
            buf_printf(b, "\\x%02x", ch);
        } else {
            buf_append(b, &s[i], 1);
        }
    }
}

static void section(struct buf *b, const char *title, const char *s,
                    size_t n)
{
    if (s == NULL || n == 0) {
        return;
    }
    buf_printf(b, "--- %s ---\n", title);
    if (n > SHOW_OUTPUT) {
        buf_printf(b, "[... %zu bytes before this ...]\n", n - SHOW_OUTPUT);
        s += n - SHOW_OUTPUT;
        n = SHOW_OUTPUT;
    }
    put_text(b, s, n);
    if (s[n - 1] != '\n') {
        buf_puts(b, "\n");
    }
}

/* Whether message starts with "TYPE:" (or is TYPE alone). */
static int starts_with_type(const char *message, const char *type)
{
    size_t n = strlen(type);

    return strncmp(message, type, n) == 0 &&
           (message[n] == ':' || message[n] == '\0');
}

void console_test(struct console *c, const struct res_file *f,
                  const struct res_test *t)
{
    const char *word;

    (void)f;
    res_summary_add(&c->sum, t);
    if (t->outcome == RES_FAILED || t->outcome == RES_ERROR) {
        struct buf *b = &c->failures;

        buf_printf(b, "%s___ %s ___%s\n", paint(c, RED BOLD), t->id,
                   paint(c, RESET));
        if (t->type || t->message) {
            struct buf m = BUF_INIT;
            /* an exception's message already starts with its type */
            const char *type = t->type && !(t->message && starts_with_type(
                                   t->message, t->type)) ? t->type : NULL;

            buf_printf(&m, "%s%s%s\n", type ? type : "",
                       type && t->message ? ": " : "",
                       t->message ? t->message : "");
            put_text(b, m.data, m.len);
            buf_free(&m);
        }
        if (t->detail) {
            section(b, "details", t->detail, strlen(t->detail));
        }
        section(b, "captured stdout", t->out, t->out_len);
        section(b, "captured stderr", t->err, t->err_len);
        buf_puts(b, "\n");
        buf_printf(&c->shortlist, "%s %s",
                   t->outcome == RES_ERROR ? "ERROR" : "FAILED", t->id);
        if (t->message) {
            const char *nl = strchr(t->message, '\n');

            buf_puts(&c->shortlist, " - ");
            put_text(&c->shortlist, t->message,
                     nl ? (size_t)(nl - t->message) : strlen(t->message));
        }
        buf_puts(&c->shortlist, "\n");
    }
    if (c->verbosity < 1) {
        return;
    }
    switch (t->outcome) {
    case RES_PASSED: word = "PASSED"; break;
    case RES_FAILED: word = "FAILED"; break;
    case RES_ERROR: word = "ERROR"; break;
    case RES_SKIPPED: word = "SKIPPED"; break;
    case RES_XFAILED: word = "XFAIL"; break;
    default: word = "XPASS"; break;
    }
    fprintf(c->out, "%s%-7s%s %s (%.3fs)\n",
            paint(c, t->outcome == RES_FAILED || t->outcome == RES_ERROR
                         ? RED
                         : t->outcome == RES_PASSED ? GREEN : YELLOW),
            word, paint(c, RESET), t->id, t->duration);
    fflush(c->out);
}

/* pytest's colours of the marks */
static const char *mark_color(enum res_outcome o)
{
    switch (o) {
    case RES_PASSED: return GREEN;
    case RES_FAILED:
    case RES_ERROR: return RED;
    default: return YELLOW;
    }
}

void console_file(struct console *c, const struct res_file *f)
{
    struct buf line = BUF_INIT;
    size_t i, n = f->ntests < FILE_MARKS ? f->ntests : FILE_MARKS;
    size_t shown;   /* columns of line, colour codes left out */

    c->files_done++;
    c->deselected += f->deselected;
    /* a file that -k emptied has nothing to show */
    if (c->verbosity != 0 || c->collect_only ||
        (f->ntests == 0 && f->deselected > 0)) {
        return;
    }
    buf_printf(&line, "%s ", f->path);
    shown = line.len + n;
    for (i = 0; i < n; i++) {
        enum res_outcome o = f->tests[i].outcome;

        buf_printf(&line, "%s%c%s", paint(c, mark_color(o)), mark(o),
                   paint(c, RESET));
    }
    if (f->ntests > n) {
        size_t k = line.len;

        buf_printf(&line, " (+%zu more)", f->ntests - n);
        shown += line.len - k;
    }
    if (c->progress && c->nfiles > 0) {
        size_t pct = 100 * c->files_done / c->nfiles;
        int pad = c->width - (int)shown - 7;

        buf_printf(&line, "%*s[%3zu%%]", pad > 1 ? pad : 1, "",
                   pct > 100 ? (size_t)100 : pct);
    }
    fprintf(c->out, "%s\n", line.data ? line.data : "");
    buf_free(&line);
    fflush(c->out);
}

void console_collected(struct console *c, const char *id)
{
    c->collected++;
    fprintf(c->out, "%s\n", id);
}

/* "!!! stopped after the first failure (-x): 3 tests not run, 2 files
 * not begun !!!" */
static void stopped_line(struct console *c)
{
    fprintf(c->out, "!!! stopped after the first failure (-x): ");
    if (c->tests_left) {
        fprintf(c->out, "%zu more test%s not run%s", c->tests_left,
                c->tests_left == 1 ? "" : "s", c->files_left ? ", " : "");
    }
    if (c->files_left) {
        fprintf(c->out, "%zu more file%s not begun", c->files_left,
                c->files_left == 1 ? "" : "s");
    }
    if (c->tests_left == 0 && c->files_left == 0) {
        fprintf(c->out, "nothing was left to run");
    }
    fprintf(c->out, " !!!\n");
}

void console_finish(struct console *c, int interrupted, double seconds)
{
    char line[256];
    int bad = c->sum.failed || c->sum.errors;

    if (c->failures.len && c->verbosity >= -1) {
        fprintf(c->out, "\n%s=== FAILURES ===%s\n", paint(c, RED BOLD),
                paint(c, RESET));
        fwrite(c->failures.data, 1, c->failures.len, c->out);
        fprintf(c->out, "=== short test summary ===\n");
        fwrite(c->shortlist.data, 1, c->shortlist.len, c->out);
    }
    if (interrupted) {
        fprintf(c->out, "!!! interrupted: the results above are what "
                        "finished !!!\n");
    }
    if (c->stopped) {
        stopped_line(c);
    }
    if (c->deselected) {
        size_t ran = c->sum.passed + c->sum.failed + c->sum.skipped +
                     c->sum.xfailed + c->sum.errors;

        if (ran == 0) {
            fprintf(c->out, "%zu deselected: -k selected none of the "
                            "tests, nothing ran\n", c->deselected);
        } else {
            fprintf(c->out, "%zu deselected\n", c->deselected);
        }
    }
    fprintf(c->out, "ran in %.2fs\n", seconds);
    res_summary_line(&c->sum, line, sizeof line);
    fprintf(c->out, "%s%s%s\n", paint(c, bad ? RED BOLD : GREEN BOLD), line,
            paint(c, RESET));
    fflush(c->out);
}

const struct res_summary *console_summary(const struct console *c)
{
    return &c->sum;
}

size_t console_collected_count(const struct console *c)
{
    return c->collected;
}

void console_free(struct console *c)
{
    if (c != NULL) {
        buf_free(&c->failures);
        buf_free(&c->shortlist);
        free(c);
    }
}
