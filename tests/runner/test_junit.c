/* test_junit: the JUnit XML writer: schema validity whatever the tests
 * printed, the values read back, atomic replacement, and its errors. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>

#include <libxml/parser.h>
#include <libxml/xmlschemas.h>
#include <libxml/xpath.h>

#include "report_fixture.h"
#include "report_junit.h"
#include "kit/unit.h"

#define R "\xEF\xBF\xBD" /* U+FFFD */

static char *dir;
static char schema[PATH_MAX + 64];

/* $CROSSRUN_SCHEMA_DIR/junit-10.xsd, else <repository>/../shared/schemas/
 * junit-10.xsd, the repository being three levels above this binary
 * (build/<mode>/unit/test_junit). */
static void find_schema(void)
{
    const char *env = getenv("CROSSRUN_SCHEMA_DIR");
    char exe[PATH_MAX];
    ssize_t n;

    if (env != NULL && env[0] != '\0') {
        snprintf(schema, sizeof schema, "%s/junit-10.xsd", env);
        return;
    }
    n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n < 0) {
        snprintf(schema, sizeof schema, "../shared/schemas/junit-10.xsd");
        return;
    }
    exe[n] = '\0';
    for (int i = 0; i < 4; i++) {
        char *slash = strrchr(exe, '/');

        if (slash != NULL) {
            *slash = '\0';
        }
    }
    snprintf(schema, sizeof schema, "%s/../shared/schemas/junit-10.xsd",
             exe);
}

/* 0 when file validates against the schema (libxml2, as xmllint). */
static int validate(const char *file)
{
    xmlSchemaParserCtxtPtr pc = xmlSchemaNewParserCtxt(schema);
    xmlSchemaPtr s = pc ? xmlSchemaParse(pc) : NULL;
    xmlSchemaValidCtxtPtr vc = s ? xmlSchemaNewValidCtxt(s) : NULL;
    int rc = vc ? xmlSchemaValidateFile(vc, file, 0) : -1;

    if (vc != NULL) {
        xmlSchemaFreeValidCtxt(vc);
    }
    if (s != NULL) {
        xmlSchemaFree(s);
    }
    if (pc != NULL) {
        xmlSchemaFreeParserCtxt(pc);
    }
    return rc;
}

/* The value of an XPath expression as a string (freed by the caller). */
static char *xp(xmlDocPtr doc, const char *expr)
{
    xmlXPathContextPtr c = xmlXPathNewContext(doc);
    xmlXPathObjectPtr o = c ? xmlXPathEvalExpression(BAD_CAST expr, c) : NULL;
    xmlChar *s = o ? xmlXPathCastToString(o) : NULL;
    char *r = s ? strdup((char *)s) : NULL;

    xmlFree(s);
    xmlXPathFreeObject(o);
    xmlXPathFreeContext(c);
    return r;
}

#define CHECK_XP(doc, expr, expected)                                   \
    do {                                                                \
        char *got_ = xp(doc, expr);                                     \
        if (!CHECK_STR(got_, expected)) {                               \
            printf("#   xpath: %s\n", expr);                            \
        }                                                               \
        free(got_);                                                     \
    } while (0)

static void path_in(char *out, size_t n, const char *name)
{
    snprintf(out, n, "%s/%s", dir, name);
}

/* Write the files to path; 0 or -1 (err printed as a TAP comment). */
static int write_report(const char *path, enum junit_family fam,
                        struct res_file *files, size_t nfiles)
{
    char err[512];
    struct junit_writer *w = junit_open(path, fam, err, sizeof err);

    if (w == NULL) {
        printf("# %s\n", err);
        return -1;
    }
    for (size_t i = 0; i < nfiles; i++) {
        if (junit_add_file(w, &files[i], err, sizeof err) != 0) {
            printf("# %s\n", err);
            junit_abort(w);
            return -1;
        }
    }
    if (junit_close(w, err, sizeof err) != 0) {
        printf("# %s\n", err);
        return -1;
    }
    return 0;
}

static void test_nasty_report(struct res_file *files)
{
    char path[PATH_MAX], cmd[4 * PATH_MAX], out[PATH_MAX], want[64];
    char *text, *got;
    xmlDocPtr doc;
    struct tm tm;
    int rc;

    path_in(path, sizeof path, "reports/junit.xml");
    CHECK(write_report(path, JUNIT_XUNIT2, files, 2) == 0);
    CHECK(fx_count_entries(dir, ".tmp.") == 0);
    if (!CHECK(fx_exists(schema))) {
        printf("# schema %s not found: set CROSSRUN_SCHEMA_DIR\n", schema);
    }
    CHECK(validate(path) == 0);
    path_in(out, sizeof out, "xmllint.out");
    snprintf(cmd, sizeof cmd, "xmllint --noout --schema '%s' '%s' >'%s' 2>&1",
             schema, path, out);
    rc = system(cmd);
    if (!CHECK(rc == 0)) {
        text = fx_slurp(out, NULL);
        printf("# %s: %s\n", cmd, text ? text : "(no output)");
        free(text);
    }

    text = fx_slurp(path, NULL);
    if (!CHECK(text != NULL)) {
        return;
    }
    CHECK(strncmp(text, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>", 38)
          == 0);
    CHECK(strstr(text, "CDATA") == NULL);
    CHECK(strstr(text, "]]>") == NULL);     /* escaped as ]]&gt; */
    free(text);

    doc = xmlReadFile(path, NULL, XML_PARSE_NONET | XML_PARSE_HUGE);
    if (!CHECK(doc != NULL)) {
        return;
    }
    CHECK_XP(doc, "name(/*)", "testsuites");
    CHECK_XP(doc, "string(/testsuites/@name)", "crossrun");
    CHECK_XP(doc, "count(/testsuites/testsuite)", "2");
    CHECK_XP(doc, "string(/testsuites/testsuite[1]/@name)",
             "tests/test_<&>.py");
    CHECK_XP(doc, "string(/testsuites/testsuite[1]/@tests)", "10");
    CHECK_XP(doc, "string(/testsuites/testsuite[1]/@failures)", "3");
    CHECK_XP(doc, "string(/testsuites/testsuite[1]/@errors)", "1");
    CHECK_XP(doc, "string(/testsuites/testsuite[1]/@skipped)", "2");
    CHECK_XP(doc, "string(/testsuites/testsuite[1]/@time)", "12345.679");
    CHECK_XP(doc, "count(/testsuites/testsuite[1]/testcase)", "10");
    localtime_r(&files[0].started, &tm);
    strftime(want, sizeof want, "%Y-%m-%dT%H:%M:%S", &tm);
    CHECK_XP(doc, "string(/testsuites/testsuite[1]/@timestamp)", want);
    got = xp(doc, "string(/testsuites/testsuite[1]/@hostname)");
    CHECK(got != NULL && got[0] != '\0');
    free(got);

#define TC "/testsuites/testsuite[1]/testcase"
    CHECK_XP(doc, "string(" TC "[1]/@classname)", "tests.test_<&>");
    CHECK_XP(doc, "string(" TC "[1]/@name)", "test_ok");
    CHECK_XP(doc, "string(" TC "[1]/@time)", "0.000");
    CHECK_XP(doc, "string(" TC "[1]/system-out)", "hello\n");
    CHECK_XP(doc, "count(" TC "[1]/@file)", "0");   /* xunit1 only */

    CHECK_XP(doc, "string(" TC "[2]/@name)", "test_fail[\\x1b]");
    CHECK_XP(doc, "string(" TC "[2]/@time)", "1.235");
    CHECK_XP(doc, "string(" TC "[2]/failure/@type)", "AssertionError");
    CHECK_XP(doc, "string(" TC "[2]/failure/@message)",
             "assert 1 == 2 <&>\"' \\x1b\\");
    CHECK_XP(doc, "string(" TC "[2]/failure)",
             "Traceback:\n  x = f() ]]> " R R "\n\nE   boom\n");
    CHECK_XP(doc, "string(" TC "[2]/system-out)",
             "\\x1b[31mred\\x1b[0m\n\\x00zero\n]]>\n");
    CHECK_XP(doc, "string(" TC "[2]/system-err)", R R " <&>\"'");

    CHECK_XP(doc, "string(" TC "[3]/error/@type)", "collection");
    CHECK_XP(doc, "string(" TC "[3]/error/@message)",
             "ImportError: no module named 'x'");
    CHECK_XP(doc, "string(" TC "[3]/error)", "E   ModuleNotFoundError");

    CHECK_XP(doc, "string(" TC "[4]/skipped/@message)",
             "no network # really");
    CHECK_XP(doc, "string(" TC "[5]/skipped/@message)", "xfail: bug 12");
    CHECK_XP(doc, "count(" TC "[6]/*)", "0");      /* xpassed: a pass */

    CHECK_XP(doc, "string(" TC "[7]/failure/@type)", "crash");
    CHECK_XP(doc, "string(" TC "[7]/failure/@message)", "SIGSEGV");
    snprintf(want, sizeof want, "%zu", BIG_LEN + 3);   /* \x01 -> 4 chars */
    CHECK_XP(doc, "string-length(" TC "[7]/system-err)", want);
    CHECK_XP(doc, "substring(" TC "[7]/system-err, 100, 6)", "x\\x01x");

    CHECK_XP(doc, "string(" TC "[8]/@name)", "");
    CHECK_XP(doc, "count(" TC "[8]/@name)", "1");
    CHECK_XP(doc, "string(" TC "[8]/@classname)", "tests.test_<&>");
    CHECK_XP(doc, "string(" TC "[9]/@name)", "test_id[# SKIP\\]");
    CHECK_XP(doc, "string(" TC "[10]/failure/@message)", "");
    CHECK_XP(doc, "string(" TC "[10]/failure/@type)", "timeout");
    snprintf(want, sizeof want, "%d", LONG_LINE_LEN);
    CHECK_XP(doc, "string-length(" TC "[10]/system-out)", want);
#undef TC

    CHECK_XP(doc, "string(/testsuites/testsuite[2]/@tests)", "0");
    CHECK_XP(doc, "string(/testsuites/testsuite[2]/@skipped)", "0");
    CHECK_XP(doc, "count(/testsuites/testsuite[2]/*)", "0");
    xmlFreeDoc(doc);
}

static void test_xunit1(struct res_file *files)
{
    char path[PATH_MAX];
    xmlDocPtr doc;

    path_in(path, sizeof path, "xunit1.xml");
    CHECK(write_report(path, JUNIT_XUNIT1, files, 1) == 0);
    doc = xmlReadFile(path, NULL, XML_PARSE_NONET | XML_PARSE_HUGE);
    if (!CHECK(doc != NULL)) {
        return;
    }
#define TC "/testsuites/testsuite[1]/testcase"
    CHECK_XP(doc, "string(" TC "[1]/@file)", "tests/test_<&>.py");
    CHECK_XP(doc, "string(" TC "[1]/@line)", "7");
    CHECK_XP(doc, "string(" TC "[2]/@line)", "12");
    /* no line known: none written; the file comes from the suite */
    CHECK_XP(doc, "count(" TC "[3]/@line)", "0");
    CHECK_XP(doc, "string(" TC "[3]/@file)", "tests/test_<&>.py");
#undef TC
    xmlFreeDoc(doc);
}

static void test_empty_run(void)
{
    char path[PATH_MAX];
    char *text;

    path_in(path, sizeof path, "empty.xml");
    CHECK(write_report(path, JUNIT_XUNIT2, NULL, 0) == 0);
    CHECK(validate(path) == 0);
    text = fx_slurp(path, NULL);
    CHECK(text != NULL && strstr(text, "<testsuites") != NULL);
    free(text);
}

/* The target shows the old report until close; abort keeps it. */
static void test_atomic_replace(struct res_file *files)
{
    char path[PATH_MAX], tmp[PATH_MAX + 32], err[512];
    struct junit_writer *w;
    char *text;

    path_in(path, sizeof path, "atomic.xml");
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());

    /* a new report appears only at close */
    w = junit_open(path, JUNIT_XUNIT2, err, sizeof err);
    CHECK(w != NULL);
    CHECK(!fx_exists(path) && fx_exists(tmp));
    CHECK(w != NULL && junit_add_file(w, &files[0], err, sizeof err) == 0);
    CHECK(!fx_exists(path));
    CHECK(w != NULL && junit_close(w, err, sizeof err) == 0);
    CHECK(fx_exists(path) && !fx_exists(tmp));
    CHECK(validate(path) == 0);

    /* an old report stays whole while the new one is written */
    CHECK(fx_spit(path, "OLD") == 0);
    w = junit_open(path, JUNIT_XUNIT2, err, sizeof err);
    CHECK(w != NULL && junit_add_file(w, &files[0], err, sizeof err) == 0);
    text = fx_slurp(path, NULL);
    CHECK_STR(text, "OLD");
    free(text);
    junit_abort(w);
    text = fx_slurp(path, NULL);
    CHECK_STR(text, "OLD");
    free(text);
    CHECK(!fx_exists(tmp));

    /* abort of a report that never existed leaves nothing */
    CHECK(unlink(path) == 0);
    w = junit_open(path, JUNIT_XUNIT2, err, sizeof err);
    CHECK(w != NULL);
    junit_abort(w);
    CHECK(!fx_exists(path) && !fx_exists(tmp));
    junit_abort(NULL);
}

static void test_errors(struct res_file *files)
{
    char path[PATH_MAX], plain[PATH_MAX], err[512];
    struct junit_writer *w;

    /* a parent that is a regular file */
    path_in(plain, sizeof plain, "plain");
    CHECK(fx_spit(plain, "x") == 0);
    path_in(path, sizeof path, "plain/sub/r.xml");
    err[0] = '\0';
    w = junit_open(path, JUNIT_XUNIT2, err, sizeof err);
    CHECK(w == NULL);
    printf("# %s\n", err);
    CHECK(strstr(err, path) != NULL);
    CHECK(strstr(err, strerror(ENOTDIR)) != NULL);
    junit_abort(w);

    w = junit_open("", JUNIT_XUNIT2, err, sizeof err);
    CHECK(w == NULL && err[0] != '\0');

    /* a directory cannot be replaced: refused before any test runs */
    path_in(path, sizeof path, "isdir.xml");
    CHECK(mkdir(path, 0755) == 0);
    err[0] = '\0';
    w = junit_open(path, JUNIT_XUNIT2, err, sizeof err);
    CHECK(w == NULL);
    printf("# %s\n", err);
    CHECK(strstr(err, path) != NULL);
    CHECK(strstr(err, "it is a directory") != NULL);
    CHECK(fx_count_entries(dir, "isdir.xml.tmp") == 0);

    /* missing parent directories are made */
    path_in(path, sizeof path, "a/b/c/r.xml");
    CHECK(write_report(path, JUNIT_XUNIT2, files + 1, 1) == 0);
    CHECK(validate(path) == 0);
}

static void quiet(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

/* fx_write_fn for the JUnit writer (xunit2), libxml2's own messages
 * silenced. */
static int write_one(const char *path, struct res_file *f, char *err,
                     size_t errlen)
{
    struct junit_writer *w;
    int rc = -1;

    xmlSetGenericErrorFunc(NULL, quiet);
    w = junit_open(path, JUNIT_XUNIT2, err, errlen);
    if (w != NULL) {
        rc = junit_add_file(w, f, err, errlen);
        if (rc == 0) {
            rc = junit_close(w, err, errlen);
        } else {
            junit_abort(w);
        }
    }
    return rc;
}

/* A full disk, simulated with a file size limit in a child process: the
 * error names the file and the reason, and nothing is left behind. */
static void test_disk_full(struct res_file *files)
{
    char path[PATH_MAX], full[PATH_MAX];

    path_in(path, sizeof path, "full/r.xml");
    path_in(full, sizeof full, "full");
    fx_check_disk_full(path, full, write_one, &files[0]);
}

static void test_family_parse(void)
{
    enum junit_family f = JUNIT_XUNIT1;

    CHECK(junit_family_parse("xunit2", &f) == 0 && f == JUNIT_XUNIT2);
    CHECK(junit_family_parse("xunit1", &f) == 0 && f == JUNIT_XUNIT1);
    CHECK(junit_family_parse("legacy", &f) == 0 && f == JUNIT_XUNIT1);
    CHECK(junit_family_parse("xunit3", &f) == -1);
}

int main(void)
{
    struct res_file files[2];

    find_schema();
    dir = fx_tmpdir();
    fx_nasty(&files[0]);
    fx_empty(&files[1]);

    test_nasty_report(files);
    test_xunit1(files);
    test_empty_run();
    test_atomic_replace(files);
    test_errors(files);
    test_disk_full(files);
    test_family_parse();

    res_file_free(&files[0]);
    res_file_free(&files[1]);
    fx_rm_rf(dir);
    free(dir);
    xmlCleanupParser();
    return unit_done();
}
