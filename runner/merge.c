/* merge: joins JUnit reports into one (see merge.h). The inputs are read
 * whole (libxml2's tree), their <testsuite> elements copied into a new
 * document, and the counts recomputed: a report of N shares is N times
 * the size of one, which a tree holds easily. */
#include "merge.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "core/afile.h"

enum { MERGE_OK = 0, MERGE_INTERNAL = 3, MERGE_USAGE = 4 };

struct seen {
    char *key;        /* "classname::name" */
    size_t input;     /* index of the input that holds it */
};

struct merge {
    xmlDocPtr out;
    xmlNodePtr root;
    struct seen *seen;
    size_t nseen, cap;
    long tests, failures, errors;
    double time;
};

static int is(xmlNodePtr n, const char *name)
{
    return n->type == XML_ELEMENT_NODE &&
           xmlStrcmp(n->name, BAD_CAST name) == 0;
}

static int set_long(xmlNodePtr n, const char *name, long v)
{
    char text[32];

    snprintf(text, sizeof text, "%ld", v);
    return xmlSetProp(n, BAD_CAST name, BAD_CAST text) == NULL ? -1 : 0;
}

static int set_time(xmlNodePtr n, double v)
{
    char text[64];

    snprintf(text, sizeof text, "%.3f", v);
    return xmlSetProp(n, BAD_CAST "time", BAD_CAST text) == NULL ? -1 : 0;
}

/* Recount a copied testsuite from its testcases; adds to m's totals. */
static int recount(struct merge *m, xmlNodePtr suite)
{
    long tests = 0, failures = 0, errors = 0, skipped = 0;
    xmlChar *t;

    for (xmlNodePtr c = suite->children; c; c = c->next) {
        if (!is(c, "testcase")) {
            continue;
        }
        tests++;
        for (xmlNodePtr k = c->children; k; k = k->next) {
            failures += is(k, "failure");
            errors += is(k, "error");
            skipped += is(k, "skipped");
        }
    }
    m->tests += tests;
    m->failures += failures;
    m->errors += errors;
    if ((t = xmlGetProp(suite, BAD_CAST "time")) != NULL) {
        m->time += strtod((const char *)t, NULL);
        xmlFree(t);
    }
    return set_long(suite, "tests", tests) || set_long(suite, "failures",
                                                       failures) ||
           set_long(suite, "errors", errors) ||
           set_long(suite, "skipped", skipped);
}

/* Note the testcases of suite (from input k) in m->seen. Returns 0,
 * or -1 when memory runs out. */
static int note_tests(struct merge *m, xmlNodePtr suite, size_t k)
{
    for (xmlNodePtr c = suite->children; c; c = c->next) {
        xmlChar *cls, *name;
        char *key;

        if (!is(c, "testcase")) {
            continue;
        }
        cls = xmlGetProp(c, BAD_CAST "classname");
        name = xmlGetProp(c, BAD_CAST "name");
        if (asprintf(&key, "%s::%s", cls ? (char *)cls : "",
                     name ? (char *)name : "") < 0) {
            key = NULL;
        }
        xmlFree(cls);
        xmlFree(name);
        if (key == NULL) {
            return -1;
        }
        if (m->nseen == m->cap) {
            size_t cap = m->cap ? 2 * m->cap : 256;
            struct seen *s = realloc(m->seen, cap * sizeof *s);

            if (s == NULL) {
                free(key);
                return -1;
            }
            m->seen = s;
            m->cap = cap;
        }
        m->seen[m->nseen].key = key;
        m->seen[m->nseen++].input = k;
    }
    return 0;
}

static int by_key(const void *a, const void *b)
{
    const struct seen *x = a, *y = b;
    int c = strcmp(x->key, y->key);

    return c ? c : (x->input > y->input) - (x->input < y->input);
}

/* A test in two inputs: said on stderr (the first one, by name), -1. */
static int check_duplicates(struct merge *m, char *const *inputs)
{
    if (m->nseen == 0) {
        return 0;
    }
    qsort(m->seen, m->nseen, sizeof *m->seen, by_key);
    for (size_t i = 1; i < m->nseen; i++) {
        if (strcmp(m->seen[i - 1].key, m->seen[i].key) == 0 &&
            m->seen[i - 1].input != m->seen[i].input) {
            fprintf(stderr, "crossrun: error: merge: test %s is in both %s "
                    "and %s (a test runs in one share: was a report given "
                    "twice? --allow-duplicates keeps both)\n",
                    m->seen[i].key, inputs[m->seen[i - 1].input],
                    inputs[m->seen[i].input]);
            return -1;
        }
    }
    return 0;
}

/* Copy the testsuites of input k (its root: <testsuites> or one
 * <testsuite>) into m. Returns 0, or -1 with a message on stderr. */
static int add_input(struct merge *m, char *const *inputs, size_t k)
{
    xmlDocPtr doc = xmlReadFile(inputs[k], NULL, XML_PARSE_NONET |
                                 XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
    xmlNodePtr first, n;
    int rc = 0;

    if (doc == NULL) {
        const xmlError *e = xmlGetLastError();

        fprintf(stderr, "crossrun: error: merge: %s: %s", inputs[k],
                e && e->message ? e->message : "cannot be read as XML\n");
        return -1;
    }
    if (root == NULL || (!is(root, "testsuites") && !is(root, "testsuite"))) {
        fprintf(stderr, "crossrun: error: merge: %s is not a JUnit report "
                "(its root is <%s>, not <testsuites> or <testsuite>)\n",
                inputs[k], root ? (const char *)root->name : "nothing");
        xmlFreeDoc(doc);
        return -1;
    }
    first = is(root, "testsuite") ? root : root->children;
    for (n = first; n && rc == 0; n = n == root ? NULL : n->next) {
        xmlNodePtr copy;

        if (!is(n, "testsuite")) {
            continue;
        }
        copy = xmlDocCopyNode(n, m->out, 1);
        if (copy == NULL || xmlAddChild(m->root, copy) == NULL ||
            recount(m, copy) != 0 || note_tests(m, copy, k) != 0) {
            xmlFreeNode(copy);
            fprintf(stderr, "crossrun: error: merge: out of memory\n");
            rc = -1;
        }
    }
    xmlFreeDoc(doc);
    return rc;
}

static int write_out(struct merge *m, const char *path)
{
    xmlChar *text = NULL;
    int len = 0, rc = -1;
    struct afile a;
    char err[1024];

    if (set_long(m->root, "tests", m->tests) ||
        set_long(m->root, "failures", m->failures) ||
        set_long(m->root, "errors", m->errors) || set_time(m->root, m->time)) {
        fprintf(stderr, "crossrun: error: merge: out of memory\n");
        return -1;
    }
    xmlDocDumpFormatMemoryEnc(m->out, &text, &len, "UTF-8", 1);
    if (text == NULL) {
        fprintf(stderr, "crossrun: error: merge: out of memory\n");
        return -1;
    }
    if (afile_open(&a, path, err, sizeof err) == 0) {
        if (afile_write_all(a.fd, text, (size_t)len) != 0) {
            snprintf(err, sizeof err, "cannot write %s", path);
            afile_abort(&a);
        } else {
            rc = afile_commit(&a, err, sizeof err);
        }
    }
    if (rc != 0) {
        fprintf(stderr, "crossrun: error: merge: %s\n", err);
    }
    xmlFree(text);
    return rc;
}

static void usage_error(const char *what)
{
    fprintf(stderr, "crossrun: error: merge: %s (usage: crossrun merge "
            "[--allow-duplicates] OUT.xml IN.xml...)\n", what);
}

int merge_main(int argc, char **argv)
{
    struct merge m;
    char **inputs = calloc((size_t)argc + 1, sizeof *inputs);
    const char *out = NULL;
    size_t nin = 0;
    int allow = 0, status = MERGE_USAGE, only_paths = 0;

    memset(&m, 0, sizeof m);
    if (inputs == NULL) {
        fprintf(stderr, "crossrun: error: merge: out of memory\n");
        return MERGE_INTERNAL;
    }
    for (int i = 1; i < argc; i++) {
        if (!only_paths && strcmp(argv[i], "--allow-duplicates") == 0) {
            allow = 1;
        } else if (!only_paths && strcmp(argv[i], "--") == 0) {
            only_paths = 1;
        } else if (!only_paths && argv[i][0] == '-' && argv[i][1] != '\0') {
            char what[512];

            snprintf(what, sizeof what, "unknown option '%s'", argv[i]);
            usage_error(what);
            goto out;
        } else if (out == NULL) {
            out = argv[i];
        } else {
            inputs[nin++] = argv[i];
        }
    }
    if (nin == 0) {
        usage_error(out ? "no input report" : "no output and no input report");
        goto out;
    }
    m.out = xmlNewDoc(BAD_CAST "1.0");
    m.root = m.out ? xmlNewNode(NULL, BAD_CAST "testsuites") : NULL;
    if (m.root == NULL) {
        fprintf(stderr, "crossrun: error: merge: out of memory\n");
        status = MERGE_INTERNAL;
        goto out;
    }
    xmlDocSetRootElement(m.out, m.root);
    xmlSetProp(m.root, BAD_CAST "name", BAD_CAST "crossrun");
    for (size_t k = 0; k < nin; k++) {
        if (add_input(&m, inputs, k) != 0) {
            goto out;
        }
    }
    if (!allow && check_duplicates(&m, inputs) != 0) {
        goto out;
    }
    status = write_out(&m, out) == 0 ? 0 : MERGE_INTERNAL;
    if (status == 0) {
        printf("merged %zu report%s into %s: %ld tests, %ld failures, "
               "%ld errors\n", nin, nin == 1 ? "" : "s", out, m.tests,
               m.failures, m.errors);
    }
out:
    for (size_t i = 0; i < m.nseen; i++) {
        free(m.seen[i].key);
    }
    free(m.seen);
    if (m.out != NULL) {
        xmlFreeDoc(m.out);
    }
    free(inputs);
    return status;
}
