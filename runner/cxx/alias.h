/* cxx_alias: the type names a user declares (lib.typedef) substituted in
 * parsed declarations and types, so that "la_int64_t f()" is "long f()"
 * for matching symbols and for passing values. */
#ifndef CROSSRUN_CXX_ALIAS_H
#define CROSSRUN_CXX_ALIAS_H

#include "cxx/decl.h"

/* The text of the type a name stands for ("int64_t"), or NULL when the
 * name is not an alias. ctx is the caller's. */
typedef const char *(*alias_lookup_fn)(const char *name, void *ctx);

/* A copy of t (into arena a) with every named type that lookup knows
 * replaced by the type its text parses to, cv-qualifiers kept; t itself
 * when nothing is replaced. Aliases of aliases are followed 16 deep at
 * most. Returns NULL with err filled in when an alias's text does not
 * parse or the chain is too deep (a cycle). */
const struct ct_type *alias_resolve(const struct ct_type *t,
                                    struct ct_arena *a, alias_lookup_fn lookup,
                                    void *ctx, struct decl_error *err);

/* alias_resolve applied to d's return type and parameter types, in place
 * (the new nodes go into d's arena). Returns 0, or -1 with err filled. */
int alias_resolve_decl(struct ct_decl *d, alias_lookup_fn lookup, void *ctx,
                       struct decl_error *err);

#endif
