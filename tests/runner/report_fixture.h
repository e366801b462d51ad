/* report_fixture: result files full of hostile content, file helpers and
 * the full-disk check, shared by the report writers' unit tests. */
#ifndef CROSSRUN_REPORT_FIXTURE_H
#define CROSSRUN_REPORT_FIXTURE_H

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "result.h"
#include "kit/unit.h"

#define BIG_LEN ((size_t)1 << 20)   /* the 1 MiB captured stream */
#define LONG_LINE_LEN 100000         /* one line, no newline */

/* Fixed strings the tests compare against. */
#define NASTY_MESSAGE "assert 1 == 2 <&>\"' \x1b\\"
#define NASTY_OUT "\x1b[31mred\x1b[0m\n\0zero\n]]>\n"
#define NASTY_ERR "\x80\xbf <&>\"'"
#define NASTY_DETAIL "Traceback:\n  x = f() ]]> \xff\xfe\n\nE   boom\n"
/* A detail that starts with blanks and holds lines that mean something
 * in TAP or YAML. */
#define TRICKY_DETAIL "  File \"t.py\", line 3\n...\n---\nok 5\n" \
                      "Bail out!\n  - item\nkey: value\n\n"

static char *fx_dup(const char *s)
{
    char *p = strdup(s);

    if (p == NULL) {
        perror("strdup");
        exit(2);
    }
    return p;
}

/* n bytes from malloc; exits on failure. */
static char *fx_alloc(size_t n)
{
    char *p = malloc(n);

    if (p == NULL) {
        perror("malloc");
        exit(2);
    }
    return p;
}

static char *fx_mem(const char *s, size_t n)
{
    char *p = fx_alloc(n + 1);

    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

static void fx_add(struct res_file *f, struct res_test *t)
{
    if (res_file_add(f, t) != 0) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
}

#define FX_FILE "tests/test_<&>.py"
#define FX_CLASS "tests.test_<&>"

/* Zero t and name it: id FX_FILE "::" name, classname FX_CLASS. */
static void fx_test(struct res_test *t, const char *name)
{
    size_t n = strlen(FX_FILE "::") + strlen(name) + 1;

    memset(t, 0, sizeof *t);
    t->id = fx_alloc(n);
    snprintf(t->id, n, "%s::%s", FX_FILE, name);
    t->name = fx_dup(name);
    t->classname = fx_dup(FX_CLASS);
}

/* Ten tests, one of each outcome and then some:
 *  1 passed   2 failed (nasty)   3 error       4 skipped   5 xfailed
 *  6 xpassed  7 crash, 1 MiB stderr            8 empty name, no classname
 *  9 passed, id that looks like a SKIP directive
 * 10 failed, tricky detail, one 100,000-byte line of stdout */
static void fx_nasty(struct res_file *f)
{
    struct res_test t;
    char *big;

    memset(f, 0, sizeof *f);
    f->path = fx_dup(FX_FILE);
    f->started = 1700000000;
    f->duration = 12345.6789;

    fx_test(&t, "test_ok");
    t.file = fx_dup(FX_FILE);
    t.line = 7;
    t.out = fx_dup("hello\n");
    t.out_len = 6;
    t.duration = 0.0004;
    fx_add(f, &t);

    fx_test(&t, "test_fail[\x1b]");
    t.file = fx_dup(FX_FILE);
    t.line = 12;
    t.outcome = RES_FAILED;
    t.type = fx_dup("AssertionError");
    t.message = fx_dup(NASTY_MESSAGE);
    t.detail = fx_dup(NASTY_DETAIL);
    t.out = fx_mem(NASTY_OUT, sizeof NASTY_OUT - 1);
    t.out_len = sizeof NASTY_OUT - 1;
    t.err = fx_dup(NASTY_ERR);
    t.err_len = strlen(NASTY_ERR);
    t.duration = 1.23456;
    fx_add(f, &t);

    fx_test(&t, "test_error");
    t.outcome = RES_ERROR;
    t.type = fx_dup("collection");
    t.message = fx_dup("ImportError: no module named 'x'");
    t.detail = fx_dup("E   ModuleNotFoundError");
    fx_add(f, &t);

    fx_test(&t, "test_skip");
    t.outcome = RES_SKIPPED;
    t.message = fx_dup("no network # really");
    fx_add(f, &t);

    fx_test(&t, "test_xfail");
    t.outcome = RES_XFAILED;
    t.message = fx_dup("bug 12");
    fx_add(f, &t);

    fx_test(&t, "test_xpass");
    t.outcome = RES_XPASSED;
    fx_add(f, &t);

    fx_test(&t, "test_crash");
    t.outcome = RES_FAILED;
    t.type = fx_dup("crash");
    t.message = fx_dup("SIGSEGV");
    t.detail = fx_dup("native backtrace:\n  #0 calc::crash() at calc.cc:3");
    big = fx_alloc(BIG_LEN + 1);
    for (size_t i = 0; i < BIG_LEN; i++) {
        big[i] = (i % 64 == 63) ? '\n' : 'x';
    }
    big[100] = '\x01';
    big[BIG_LEN] = '\0';
    t.err = big;
    t.err_len = BIG_LEN;
    t.duration = 0.5;
    fx_add(f, &t);

    memset(&t, 0, sizeof t);
    t.name = fx_dup("");
    t.outcome = RES_PASSED;
    fx_add(f, &t);

    fx_test(&t, "test_id[# SKIP\\]");
    fx_add(f, &t);

    fx_test(&t, "test_tricky");
    t.outcome = RES_FAILED;
    t.type = fx_dup("timeout");
    t.message = fx_dup("");
    t.detail = fx_dup(TRICKY_DETAIL);
    big = fx_alloc(LONG_LINE_LEN + 1);
    memset(big, 'y', LONG_LINE_LEN);
    big[LONG_LINE_LEN] = '\0';
    t.out = big;
    t.out_len = LONG_LINE_LEN;
    fx_add(f, &t);
}

/* A file whose tests all vanished: a suite with zero tests. */
static void fx_empty(struct res_file *f)
{
    memset(f, 0, sizeof *f);
    f->path = fx_dup("tests/empty_test.py");
    f->started = 1700000100;
}

/* A fresh directory under $TMPDIR (or /tmp); exits on failure. */
static char *fx_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    char *d = malloc(4096);

    if (d == NULL) {
        exit(2);
    }
    snprintf(d, 4096, "%s/crossrun-unit-XXXXXX", base ? base : "/tmp");
    if (mkdtemp(d) == NULL) {
        perror("mkdtemp");
        exit(2);
    }
    return d;
}

static int fx_exists(const char *path)
{
    struct stat st;

    return lstat(path, &st) == 0;
}

/* How many entries of dir have a name containing part. */
static int fx_count_entries(const char *dir, const char *part)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    if (d == NULL) {
        return -1;
    }
    while ((e = readdir(d)) != NULL) {
        if (strstr(e->d_name, part) != NULL) {
            n++;
        }
    }
    closedir(d);
    return n;
}

/* The whole file as a NUL-terminated string (length in *len), or NULL. */
static char *fx_slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    char *p = NULL;
    long n;

    if (fp == NULL) {
        return NULL;
    }
    if (fseek(fp, 0, SEEK_END) == 0 && (n = ftell(fp)) >= 0 &&
        fseek(fp, 0, SEEK_SET) == 0 && (p = malloc((size_t)n + 1)) != NULL) {
        if (fread(p, 1, (size_t)n, fp) != (size_t)n) {
            free(p);
            p = NULL;
        } else {
            p[n] = '\0';
            if (len != NULL) {
                *len = (size_t)n;
            }
        }
    }
    fclose(fp);
    return p;
}

static int fx_spit(const char *path, const char *s)
{
    FILE *fp = fopen(path, "wb");
    int ok;

    if (fp == NULL) {
        return -1;
    }
    ok = fputs(s, fp) >= 0;
    return (fclose(fp) == 0 && ok) ? 0 : -1;
}

static void fx_rm_rf(const char *dir)
{
    char cmd[4200];

    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) {
        fprintf(stderr, "could not remove %s\n", dir);
    }
}

/* Writes f as a whole report to path with one report writer: open, add,
 * close (abort after a failed add). Returns 0, or -1 with the writer's
 * message in err. */
typedef int fx_write_fn(const char *path, struct res_file *f, char *err,
                        size_t errlen);

/* A full disk, simulated with a 256 KiB file size limit (SIGXFSZ ignored)
 * in a child process that runs write_one on f: it fails with a message naming
 * path and EFBIG, and leaves nothing behind, neither path nor a ".tmp."
 * file in dir (path's directory). One CHECK per property. */
static void fx_check_disk_full(const char *path, const char *dir,
                               fx_write_fn *write_one, struct res_file *f)
{
    char err[512] = "";
    int fds[2];
    pid_t pid;
    int status = 0;
    ssize_t n;

    if (!CHECK(pipe(fds) == 0)) {
        return;
    }
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        struct rlimit rl = {256 * 1024, 256 * 1024};
        int rc;

        close(fds[0]);
        signal(SIGXFSZ, SIG_IGN);
        if (setrlimit(RLIMIT_FSIZE, &rl) != 0) {
            _exit(3);
        }
        rc = write_one(path, f, err, sizeof err);
        if (write(fds[1], err, strlen(err)) < 0) {
            _exit(4);
        }
        _exit(rc == -1 ? 0 : 1);
    }
    close(fds[1]);
    n = read(fds[0], err, sizeof err - 1);
    err[n > 0 ? n : 0] = '\0';
    close(fds[0]);
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    printf("# %s\n", err);
    CHECK(strstr(err, path) != NULL);
    CHECK(strstr(err, strerror(EFBIG)) != NULL);
    CHECK(!fx_exists(path));
    CHECK(fx_count_entries(dir, ".tmp.") == 0);
}

#endif
