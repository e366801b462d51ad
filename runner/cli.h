/* cli: the command line of DESIGN.md section 3, parsed into options. */
#ifndef CROSSRUN_CLI_H
#define CROSSRUN_CLI_H

#include <stddef.h>
#include <stdio.h>

enum cli_isolate { CLI_ISOLATE_TEST, CLI_ISOLATE_FILE };
enum cli_color { CLI_COLOR_AUTO, CLI_COLOR_ALWAYS, CLI_COLOR_NEVER };

struct cli_opts {
    int jobs;                 /* -j; 0 = number of CPUs */
    const char *keyword;      /* -k, or NULL */
    const char *markexpr;     /* -m, or NULL */
    int exitfirst;            /* -x */
    enum cli_isolate isolate;
    double timeout;           /* seconds, 0 = none */
    unsigned long long memory_limit; /* bytes per test process, 0 = none */
    unsigned long long max_output;   /* bytes kept per output stream */
    const char *junitxml;     /* --junitxml PATH, or NULL */
    int junit_xunit1;         /* --junit-family=xunit1 */
    int tap;                  /* --tap given */
    const char *tap_path;     /* --tap=PATH, NULL = stdout */
    const char *cov;          /* --cov[=PATH]: the reports' directory
                                 ("reports" when no PATH), or NULL */
    int collect_only;
    int verbosity;            /* -q: -1, default 0, -v: 1 */
    enum cli_color color;
    const char **paths;       /* PATH ...; "." when none given */
    size_t npaths;
    const char *shard;        /* --shard K/N (see shard.h), or NULL */
    const char *durations_path; /* --durations-path PATH, or NULL */
    int durations;            /* --durations N; -1: not given, 0: all */
    int reruns;               /* --reruns N */
    int last_failed;          /* --lf */
    int failed_first;         /* --ff */
    const char *symbols_lib;  /* `crossrun symbols LIB [PATTERN]` */
    const char *symbols_pattern; /* its PATTERN, or NULL */
    const char *gdb_id;       /* --gdb TESTID, or NULL */
    int help, version;
};

/* Parse argv into o (paths point into argv; o->paths is malloc'd, the
 * caller frees it). Returns 0, or -1 with a message naming the bad
 * option in err (a usage error: exit status 4). */
int cli_parse(int argc, char **argv, struct cli_opts *o, char *err,
              size_t errlen);
void cli_usage(FILE *out);

#endif
