/* cxx_alias: substitution of user-declared type aliases in type trees. */
#include "cxx/alias.h"

#include <stdio.h>
#include <string.h>

#define ALIAS_DEPTH 16

static const struct ct_type *resolve(const struct ct_type *t,
                                     struct ct_arena *a,
                                     alias_lookup_fn lookup, void *ctx,
                                     struct decl_error *err, int depth);

static int fail(struct decl_error *err, const char *fmt, const char *name)
{
    err->column = 0;
    snprintf(err->msg, sizeof(err->msg), fmt, name);
    return -1;
}

/* The named type t replaced by what its alias text parses to. */
static const struct ct_type *expand(const struct ct_type *t, const char *text,
                                    struct ct_arena *a, alias_lookup_fn lookup,
                                    void *ctx, struct decl_error *err,
                                    int depth)
{
    struct decl_error e2;
    struct ct_type *r, *copy;
    const struct ct_type *res;

    if (depth >= ALIAS_DEPTH) {
        fail(err, "typedef '%s' refers to itself (or is more than 16 "
             "typedefs deep)", t->name);
        return NULL;
    }
    r = decl_parse_type(text, a, &e2);
    if (r == NULL) {
        int n = snprintf(err->msg, sizeof(err->msg), "typedef '%.50s' = "
                         "'%.50s' does not parse: ", t->name, text);

        err->column = 0;
        if (n > 0 && (size_t)n < sizeof(err->msg)) {
            size_t room = sizeof(err->msg) - (size_t)n - 1;
            size_t len = strlen(e2.msg);

            memcpy(err->msg + n, e2.msg, len < room ? len : room);
            err->msg[(size_t)n + (len < room ? len : room)] = '\0';
        }
        return NULL;
    }
    res = resolve(r, a, lookup, ctx, err, depth + 1);
    if (res == NULL) {
        return NULL;
    }
    if (!t->is_const && !t->is_volatile) {
        return res;
    }
    copy = ct_alloc(a, sizeof(*copy));
    if (copy == NULL) {
        fail(err, "out of memory%s", "");
        return NULL;
    }
    *copy = *res;
    copy->is_const |= t->is_const;
    copy->is_volatile |= t->is_volatile;
    return copy;
}

static const struct ct_type *resolve(const struct ct_type *t,
                                     struct ct_arena *a,
                                     alias_lookup_fn lookup, void *ctx,
                                     struct decl_error *err, int depth)
{
    const struct ct_type *sub = NULL;
    struct ct_type *copy;
    size_t i;
    int changed = 0;

    if (t->kind == CT_NAMED) {
        const char *text = lookup(t->name, ctx);

        return text != NULL
               ? expand(t, text, a, lookup, ctx, err, depth) : t;
    }
    if (t->sub != NULL) {
        sub = resolve(t->sub, a, lookup, ctx, err, depth);
        if (sub == NULL) {
            return NULL;
        }
        changed = sub != t->sub;
    }
    for (i = 0; i < t->nparams && !changed; i++) {
        const struct ct_type *p = resolve(t->params[i], a, lookup, ctx, err,
                                          depth);

        if (p == NULL) {
            return NULL;
        }
        changed = p != t->params[i];
    }
    if (!changed) {
        return t;
    }
    copy = ct_alloc(a, sizeof(*copy));
    if (copy == NULL) {
        fail(err, "out of memory%s", "");
        return NULL;
    }
    *copy = *t;
    copy->sub = (struct ct_type *)sub;
    if (t->nparams > 0) {
        copy->params = ct_alloc(a, t->nparams * sizeof(*copy->params));
        if (copy->params == NULL) {
            fail(err, "out of memory%s", "");
            return NULL;
        }
        for (i = 0; i < t->nparams; i++) {
            const struct ct_type *p = resolve(t->params[i], a, lookup, ctx,
                                              err, depth);

            if (p == NULL) {
                return NULL;
            }
            copy->params[i] = (struct ct_type *)p;
        }
    }
    return copy;
}

const struct ct_type *alias_resolve(const struct ct_type *t,
                                    struct ct_arena *a, alias_lookup_fn lookup,
                                    void *ctx, struct decl_error *err)
{
    memset(err, 0, sizeof(*err));
    return resolve(t, a, lookup, ctx, err, 0);
}

int alias_resolve_decl(struct ct_decl *d, alias_lookup_fn lookup, void *ctx,
                       struct decl_error *err)
{
    const struct ct_type *t;
    size_t i;

    if (d->ret != NULL) {
        t = alias_resolve(d->ret, &d->arena, lookup, ctx, err);
        if (t == NULL) {
            return -1;
        }
        d->ret = (struct ct_type *)t;
    }
    for (i = 0; i < d->nparams; i++) {
        t = alias_resolve(d->params[i].type, &d->arena, lookup, ctx, err);
        if (t == NULL) {
            return -1;
        }
        d->params[i].type = (struct ct_type *)t;
    }
    return 0;
}
