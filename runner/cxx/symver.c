/* cxx_symver: matching declarations to exports with hidden versions. */
#include "cxx/symver.h"

#include <ctype.h>
#include <string.h>

/* Is the identifier s[0..n) a versioned name "icu_72" (letters, '_',
 * digits at the end)? Its unversioned length, else 0. */
static size_t unversioned_len(const char *s, size_t n)
{
    size_t i = n;

    while (i > 0 && isdigit((unsigned char)s[i - 1])) {
        i--;
    }
    if (i == n || i < 2 || s[i - 1] != '_' ||
        !isalpha((unsigned char)s[i - 2])) {
        return 0;
    }
    return i - 1;
}

int symver_normalize(const char *text, struct buf *out)
{
    size_t i = 0;

    while (text[i] != '\0') {
        size_t j = i, n;

        if (!(isalpha((unsigned char)text[i]) || text[i] == '_') ||
            (i > 0 && (isalnum((unsigned char)text[i - 1]) ||
                       text[i - 1] == '_'))) {
            if (buf_append(out, &text[i], 1) != 0) {
                return -1;
            }
            i++;
            continue;
        }
        while (isalnum((unsigned char)text[j]) || text[j] == '_') {
            j++;
        }
        n = j - i;
        if (text[j] == ':' && text[j + 1] == ':') {
            if (n > 2 && text[i] == '_' && text[i + 1] == '_') {
                i = j + 2; /* an inline namespace: __cxx11::, __1:: */
                continue;
            }
            if (unversioned_len(text + i, n) > 0) {
                n = unversioned_len(text + i, n);
            }
        }
        if (buf_append(out, text + i, n) != 0) {
            return -1;
        }
        i = j;
    }
    return 0;
}

/* The C function name_<digits> when exactly one exists. */
static const struct sym_entry *find_c(struct sym_table *t, const char *name,
                                      size_t *count)
{
    const struct sym_entry *hit = NULL;
    size_t n = strlen(name), i;

    for (i = 0; i < t->n; i++) {
        const struct sym_entry *e = &t->v[i];
        const char *m = e->mangled;

        if (e->is_func && !e->is_cxx && strncmp(m, name, n) == 0 &&
            unversioned_len(m, strlen(m)) == n) {
            hit = e;
            (*count)++;
        }
    }
    return *count == 1 ? hit : NULL;
}

/* The normalized key of the demangled name of e into out; 1 when it has
 * one, 0 when the parser cannot read it, -1 out of memory. */
static int entry_key(const struct sym_entry *e, struct buf *out)
{
    struct decl_error err;
    struct ct_decl *d = decl_parse(e->demangled, DECL_NO_RETURN, &err);
    struct buf key = BUF_INIT;
    int rc;

    if (d == NULL) {
        return err.column == 0 ? -1 : 0;
    }
    rc = decl_key(d, &key) == 0 && symver_normalize(key.data, out) == 0
         ? 1 : -1;
    buf_free(&key);
    decl_free(d);
    return rc;
}

const struct sym_entry *symver_find(struct sym_table *t,
                                    const struct ct_decl *d,
                                    size_t *ambiguous, int *oom)
{
    const struct sym_entry *hit = NULL;
    struct buf key = BUF_INIT, want = BUF_INIT, got = BUF_INIT;
    size_t i, count = 0;

    *ambiguous = 0;
    *oom = 0;
    if (strstr(d->name, "::") == NULL) {
        hit = find_c(t, d->name, &count);
        *ambiguous = count > 1 ? count : 0;
        if (hit != NULL || count > 1) {
            return hit;
        }
    }
    if (decl_key(d, &key) != 0 || symver_normalize(key.data, &want) != 0) {
        *oom = 1;
        goto out;
    }
    for (i = 0; i < t->n; i++) {
        const struct sym_entry *e = &t->v[i];
        int rc;

        if (!e->is_func || !e->is_cxx || e->variant == 9 ||
            strstr(e->demangled, d->base) == NULL) {
            continue;
        }
        buf_clear(&got);
        rc = entry_key(e, &got);
        if (rc < 0) {
            *oom = 1;
            break;
        }
        if (rc != 1 || strcmp(got.data, want.data) != 0) {
            continue;
        }
        if (hit == NULL) {
            hit = e;
            count = 1;
        } else if (strcmp(hit->demangled, e->demangled) != 0) {
            count++;
        } else if (e->variant < hit->variant) {
            hit = e; /* C1 before C2: the complete-object one */
        }
    }
    if (count > 1) {
        *ambiguous = count;
        hit = NULL;
    }
out:
    buf_free(&key);
    buf_free(&want);
    buf_free(&got);
    return *oom ? NULL : hit;
}
