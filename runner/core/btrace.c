/* btrace: a crash log's native backtrace made readable (see btrace.h).
 *
 * How it works. A backtrace block (the lines after "Native backtrace")
 * is read into frames first, so that each frame can be judged by what
 * lies below it: a frame belongs to the code under test, to the system
 * (libc, the dynamic loader) or to the machinery that called the code
 * (this program, libpython, libffi, _ctypes, crossrun's extension). The
 * frames down to the last one of the code under test are written, runs
 * of machinery among them collapsed into one counting line; what lies
 * below is start-up and machinery and is counted, not listed.
 *
 * Names and lines come from the object files themselves, read offline
 * through libdw (elfutils): a frame glibc could not name ("(+0x6f7a)")
 * is named from the object's full symbol table, and the source line comes
 * from the object's own DWARF. Separate debug files are not searched:
 * that search may go to the network (debuginfod), and a crash report
 * must never wait on one. A crash report is rare, so nothing is cached
 * beyond one rewrite. */
#include "core/btrace.h"

#include <elfutils/libdwfl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/demangle.h"

#define MAX_FRAMES 256
#define MAX_OBJECTS 32

enum kind { K_CODE, K_SYSTEM, K_MACHINERY };

/* One frame line, pointing into the input: "OBJ(SYM+OFF) [ADDR]". */
struct frame {
    const char *obj, *base;    /* the object's path; its last component */
    size_t obj_len, base_len;
    const char *sym;           /* SYM (may be empty) */
    size_t sym_len;
    unsigned long off;         /* OFF: from SYM, or from the object */
    const char *addr;          /* "[0x7f..]" */
    size_t addr_len;
    enum kind kind;
};

/* The objects opened for one rewrite: one Dwfl each. */
struct objects {
    struct { char *path; Dwfl *dwfl; Dwfl_Module *mod; } o[MAX_OBJECTS];
    int n;
    char self[PATH_MAX];       /* this process's executable, by name */
};

/* Separate debug files are not looked for (see the top of the file). */
static int no_debuginfo(Dwfl_Module *m, void **u, const char *name,
                        Dwarf_Addr a, const char *file, const char *link,
                        GElf_Word crc, char **path)
{
    (void)m, (void)u, (void)name, (void)a, (void)file, (void)link,
        (void)crc, (void)path;
    return -1;
}

static const Dwfl_Callbacks offline = {
    .find_elf = dwfl_build_id_find_elf,
    .find_debuginfo = no_debuginfo,
    .section_address = dwfl_offline_section_address,
};

/* The module of the object at path, opened on first use; NULL when it
 * cannot be read (the frame is then shown as glibc named it). */
static Dwfl_Module *module_of(struct objects *os, const char *path)
{
    Dwfl *d;
    Dwfl_Module *m;

    for (int i = 0; i < os->n; i++) {
        if (strcmp(os->o[i].path, path) == 0) {
            return os->o[i].mod;
        }
    }
    if (os->n == MAX_OBJECTS) {
        return NULL;
    }
    d = dwfl_begin(&offline);
    if (d == NULL) {
        return NULL;
    }
    m = dwfl_report_offline(d, "", path, -1);
    if (m == NULL || dwfl_report_end(d, NULL, NULL) != 0 ||
        (os->o[os->n].path = strdup(path)) == NULL) {
        dwfl_end(d);
        return NULL;
    }
    os->o[os->n].dwfl = d;
    os->o[os->n].mod = m;
    os->n++;
    return m;
}

static void objects_free(struct objects *os)
{
    for (int i = 0; i < os->n; i++) {
        dwfl_end(os->o[i].dwfl);
        free(os->o[i].path);
    }
    os->n = 0;
}

/* The address of the symbol called name in m, or 0. */
static GElf_Addr symbol_address(Dwfl_Module *m, const char *name)
{
    int n = dwfl_module_getsymtab(m);

    for (int i = 0; i < n; i++) {
        GElf_Sym sym;
        GElf_Addr addr;
        const char *s = dwfl_module_getsym_info(m, i, &sym, &addr, NULL,
                                                NULL, NULL);
        if (s != NULL && addr != 0 && strcmp(s, name) == 0) {
            return addr;
        }
    }
    return 0;
}

static int has_prefix(const char *s, size_t n, const char *prefix)
{
    size_t p = strlen(prefix);
    return n >= p && memcmp(s, prefix, p) == 0;
}

static enum kind kind_of(const struct objects *os, const struct frame *f)
{
    static const char *const machinery[] = {
        "libpython", "libffi.so", "_ctypes.", "_native.", "python3", NULL};
    static const char *const system[] = {"libc.so", "ld-linux", NULL};

    if (os->self[0] && strlen(os->self) == f->base_len &&
        memcmp(os->self, f->base, f->base_len) == 0) {
        return K_MACHINERY;
    }
    for (int i = 0; machinery[i]; i++) {
        if (has_prefix(f->base, f->base_len, machinery[i])) {
            return K_MACHINERY;
        }
    }
    for (int i = 0; system[i]; i++) {
        if (has_prefix(f->base, f->base_len, system[i])) {
            return K_SYSTEM;
        }
    }
    return K_CODE;
}

/* Parse one backtrace line into f. Returns 0, or 1 if it is not one. */
static int parse_frame(const char *line, size_t n, struct frame *f)
{
    const char *open = memchr(line, '(', n), *close, *plus;

    if (open == NULL) {
        return 1;
    }
    close = memchr(open, ')', n - (size_t)(open - line));
    if (close == NULL || close + 1 >= line + n ||
        (close[1] != ' ' && close[1] != '[')) {
        return 1;
    }
    for (plus = open + 1; plus < close && *plus != '+'; plus++) {
    }
    f->obj = line;
    f->obj_len = (size_t)(open - line);
    f->base = line;
    for (const char *s = line; s < open; s++) {
        if (*s == '/') {
            f->base = s + 1;
        }
    }
    f->base_len = (size_t)(open - f->base);
    f->sym = open + 1;
    f->sym_len = (size_t)(plus - open - 1);
    f->off = plus < close ? strtoul(plus + 1, NULL, 16) : 0;
    f->addr = close + 1 + (close[1] == ' ');
    f->addr_len = (size_t)(line + n - f->addr);
    return 0;
}

/* The name, offset and source line of frame number idx, as well as the
 * object allows. *name is malloc'd (NULL when no memory); *file is
 * borrowed from libdw (NULL when the object has no line for it). */
static void resolve(struct objects *os, const struct frame *f, int idx,
                    char **name, unsigned long *off, const char **file,
                    int *line)
{
    char path[PATH_MAX], sym[512];
    Dwfl_Module *m = NULL;
    GElf_Addr addr = 0, pc;
    const char *found;
    Dwfl_Line *l;

    *file = NULL;
    *off = f->off;
    snprintf(sym, sizeof sym, "%.*s", (int)f->sym_len, f->sym);
    if (f->obj_len < sizeof path) {
        snprintf(path, sizeof path, "%.*s", (int)f->obj_len, f->obj);
        m = module_of(os, path);
    }
    if (m != NULL && sym[0]) {
        /* not found: the file at that path is not the object that ran */
        GElf_Addr at = symbol_address(m, sym);
        addr = at ? at + f->off : 0;
    } else if (m != NULL) {
        GElf_Addr bias = 0;
        if (dwfl_module_getelf(m, &bias) != NULL) {
            addr = bias + f->off;
        }
    }
    /* A return address points after its call: look up the call. */
    pc = addr - (addr != 0 && idx > 0);
    if (addr != 0) {
        GElf_Off o = 0;
        GElf_Sym s;
        found = dwfl_module_addrinfo(m, pc, &o, &s, NULL, NULL, NULL);
        if (found != NULL) {
            snprintf(sym, sizeof sym, "%s", found);
            *off = (unsigned long)(addr - (pc - o));
        }
    }
    *name = sym[0] ? dem_name(sym) : strdup("??");
    if (addr != 0 && (l = dwfl_module_getsrc(m, pc)) != NULL) {
        *file = dwfl_lineinfo(l, NULL, line, NULL, NULL, NULL);
    }
}

static int write_frame(struct objects *os, const struct frame *f, int idx,
                       struct buf *out)
{
    char *name;
    unsigned long off;
    const char *file, *slash;
    int line = 0, rc;

    resolve(os, f, idx, &name, &off, &file, &line);
    if (name == NULL) {
        return -1;
    }
    rc = buf_printf(out, "  #%-2d %s+0x%lx", idx, name, off);
    free(name);
    if (rc == 0 && file != NULL) {
        slash = strrchr(file, '/');
        rc = buf_printf(out, " (%s:%d)", slash ? slash + 1 : file, line);
    }
    if (rc == 0) {
        rc = buf_printf(out, " in %.*s %.*s\n", (int)f->base_len, f->base,
                        (int)f->addr_len, f->addr);
    }
    return rc;
}

static int write_cut(struct buf *out, int n, const char *where)
{
    if (n == 0) {
        return 0;
    }
    return buf_printf(out, "  ... %d frame%s of %s\n", n, n == 1 ? "" : "s",
                      where);
}

/* Write frames fs[0..n) as the top of the file says. */
static int write_frames(struct objects *os, const struct frame *fs, int n,
                        struct buf *out)
{
    int last = -1, run = 0, whole;

    for (int i = 0; i < n; i++) {
        if (fs[i].kind == K_CODE) {
            last = i;
        }
    }
    whole = last < 0;          /* nothing of the code under test: all */
    if (whole) {
        last = n - 1;
    }
    for (int i = 0; i <= last; i++) {
        if (fs[i].kind == K_MACHINERY && !whole) {
            run++;
            continue;
        }
        if (write_cut(out, run, "crossrun, Python and libffi") != 0 ||
            write_frame(os, &fs[i], i, out) != 0) {
            return -1;
        }
        run = 0;
    }
    if (write_cut(out, run, "crossrun, Python and libffi") != 0) {
        return -1;
    }
    return write_cut(out, n - 1 - last,
                     "crossrun and Python below the code under test");
}

/* Read the frame lines that start at p; *n_out frames into fs, returns
 * where the block ends (the first line that is not a frame). */
static const char *read_block(struct objects *os, const char *p,
                              const char *end, struct frame *fs, int *n_out)
{
    int n = 0;

    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (len == 0 || n == MAX_FRAMES || parse_frame(p, len, &fs[n])) {
            break;
        }
        fs[n].kind = kind_of(os, &fs[n]);
        n++;
        p += len + (nl != NULL);
    }
    *n_out = n;
    return p;
}

/* The last component of this process's executable's path, or "". */
static void self_name(char *dst, size_t cap)
{
    char path[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
    const char *slash;

    dst[0] = '\0';
    if (n <= 0) {
        return;
    }
    path[n] = '\0';
    slash = strrchr(path, '/');
    snprintf(dst, cap, "%s", slash ? slash + 1 : path);
}

int bt_rewrite(const char *in, size_t len, struct buf *out)
{
    struct objects os = {.n = 0};
    struct frame *fs = malloc(MAX_FRAMES * sizeof *fs);
    const char *p = in, *end = in + len;
    int rc = 0;

    if (fs == NULL) {
        return -1;
    }
    self_name(os.self, sizeof os.self);
    while (p < end && rc == 0) {
        const char *line = p, *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (buf_append(out, p, n) != 0 || buf_append(out, "\n", 1) != 0) {
            rc = -1;
            break;
        }
        p += n + (nl != NULL);
        if (n >= 16 && strncmp(line, "Native backtrace", 16) == 0) {
            int nf;
            p = read_block(&os, p, end, fs, &nf);
            rc = write_frames(&os, fs, nf, out);
        }
    }
    objects_free(&os);
    free(fs);
    return rc;
}
