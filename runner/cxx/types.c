/* ffi_types: the type model's tables (sizes, canonical names, typedefs),
 * its arena allocator and the canonical printer. */
#include "cxx/types.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Arena blocks: at least ARENA_BLOCK bytes each, allocations 16-aligned. */
#define ARENA_BLOCK 4096

struct ct_block {
    struct ct_block *next;
    size_t used;
    size_t cap;
    _Alignas(16) unsigned char data[];
};

void *ct_alloc(struct ct_arena *a, size_t n)
{
    struct ct_block *b = a->head;
    size_t need = (n + 15) & ~(size_t)15;
    void *p;

    if (b == NULL || b->cap - b->used < need) {
        size_t cap = need > ARENA_BLOCK ? need : ARENA_BLOCK;

        b = malloc(sizeof(*b) + cap);
        if (b == NULL) {
            return NULL;
        }
        b->used = 0;
        b->cap = cap;
        b->next = a->head;
        a->head = b;
    }
    p = b->data + b->used;
    b->used += need;
    memset(p, 0, n);
    return p;
}

char *ct_strndup(struct ct_arena *a, const char *s, size_t n)
{
    char *p = ct_alloc(a, n + 1);

    if (p != NULL) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

void ct_arena_free(struct ct_arena *a)
{
    struct ct_block *b = a->head;

    while (b != NULL) {
        struct ct_block *next = b->next;

        free(b);
        b = next;
    }
    a->head = NULL;
}

/* Indexed by kind, for the scalar kinds (up to CT_NULLPTR). */
static const struct {
    const char *name;
    unsigned char size;
    unsigned char is_int;
    unsigned char is_signed;
} scalars[] = {
    [CT_VOID] = {"void", 0, 0, 0},
    [CT_BOOL] = {"bool", 1, 1, 0},
    [CT_CHAR] = {"char", 1, 1, 1},
    [CT_SCHAR] = {"signed char", 1, 1, 1},
    [CT_UCHAR] = {"unsigned char", 1, 1, 0},
    [CT_SHORT] = {"short", 2, 1, 1},
    [CT_USHORT] = {"unsigned short", 2, 1, 0},
    [CT_INT] = {"int", 4, 1, 1},
    [CT_UINT] = {"unsigned int", 4, 1, 0},
    [CT_LONG] = {"long", 8, 1, 1},
    [CT_ULONG] = {"unsigned long", 8, 1, 0},
    [CT_LLONG] = {"long long", 8, 1, 1},
    [CT_ULLONG] = {"unsigned long long", 8, 1, 0},
    [CT_WCHAR] = {"wchar_t", 4, 1, 1},
    [CT_CHAR8] = {"char8_t", 1, 1, 0},
    [CT_CHAR16] = {"char16_t", 2, 1, 0},
    [CT_CHAR32] = {"char32_t", 4, 1, 0},
    [CT_INT128] = {"__int128", 16, 1, 1},
    [CT_UINT128] = {"unsigned __int128", 16, 1, 0},
    [CT_FLOAT] = {"float", 4, 0, 1},
    [CT_DOUBLE] = {"double", 8, 0, 1},
    [CT_LDOUBLE] = {"long double", 16, 0, 1},
    [CT_NULLPTR] = {"decltype(nullptr)", 8, 0, 0},
};

int ct_is_scalar(enum ct_kind k)
{
    return k <= CT_NULLPTR;
}

int ct_is_integer(enum ct_kind k)
{
    return k <= CT_NULLPTR && scalars[k].is_int;
}

int ct_is_signed(enum ct_kind k)
{
    return k <= CT_NULLPTR && scalars[k].is_signed;
}

size_t ct_scalar_size(enum ct_kind k)
{
    return k <= CT_NULLPTR ? scalars[k].size : 8;
}

const char *ct_scalar_name(enum ct_kind k)
{
    return k <= CT_NULLPTR ? scalars[k].name : "?";
}

/* Typedefs of <stddef.h>, <stdint.h>, <sys/types.h> and the standard
 * library as x86-64 Linux (LP64, glibc, libstdc++) defines them. */
static const struct {
    const char *name;
    enum ct_kind kind;
} typedefs[] = {
    {"size_t", CT_ULONG},      {"ssize_t", CT_LONG},
    {"ptrdiff_t", CT_LONG},    {"intptr_t", CT_LONG},
    {"uintptr_t", CT_ULONG},   {"off_t", CT_LONG},
    {"off64_t", CT_LONG},      {"time_t", CT_LONG},
    {"pid_t", CT_INT},         {"uid_t", CT_UINT},
    {"gid_t", CT_UINT},        {"mode_t", CT_UINT},
    {"intmax_t", CT_LONG},     {"uintmax_t", CT_ULONG},
    {"int8_t", CT_SCHAR},      {"uint8_t", CT_UCHAR},
    {"int16_t", CT_SHORT},     {"uint16_t", CT_USHORT},
    {"int32_t", CT_INT},       {"uint32_t", CT_UINT},
    {"int64_t", CT_LONG},      {"uint64_t", CT_ULONG},
    {"int_least8_t", CT_SCHAR}, {"uint_least8_t", CT_UCHAR},
    {"int_least16_t", CT_SHORT}, {"uint_least16_t", CT_USHORT},
    {"int_least32_t", CT_INT}, {"uint_least32_t", CT_UINT},
    {"int_least64_t", CT_LONG}, {"uint_least64_t", CT_ULONG},
    {"int_fast8_t", CT_SCHAR}, {"uint_fast8_t", CT_UCHAR},
    {"int_fast16_t", CT_LONG}, {"uint_fast16_t", CT_ULONG},
    {"int_fast32_t", CT_LONG}, {"uint_fast32_t", CT_ULONG},
    {"int_fast64_t", CT_LONG}, {"uint_fast64_t", CT_ULONG},
    {"socklen_t", CT_UINT},    {"clock_t", CT_LONG},
    {"clockid_t", CT_INT},     {"suseconds_t", CT_LONG},
    {"useconds_t", CT_UINT},   {"dev_t", CT_ULONG},
    {"ino_t", CT_ULONG},       {"ino64_t", CT_ULONG},
    {"nlink_t", CT_ULONG},     {"blksize_t", CT_LONG},
    {"blkcnt_t", CT_LONG},     {"blkcnt64_t", CT_LONG},
    {"loff_t", CT_LONG},
    {"key_t", CT_INT},         {"id_t", CT_UINT},
    {"wint_t", CT_UINT},       {"sig_atomic_t", CT_INT},
    {"u_int8_t", CT_UCHAR},    {"u_int16_t", CT_USHORT},
    {"u_int32_t", CT_UINT},    {"u_int64_t", CT_ULONG},
    {"__int8_t", CT_SCHAR},    {"__uint8_t", CT_UCHAR},
    {"__int16_t", CT_SHORT},   {"__uint16_t", CT_USHORT},
    {"__int32_t", CT_INT},     {"__uint32_t", CT_UINT},
    {"__int64_t", CT_LONG},    {"__uint64_t", CT_ULONG},
    {"__ssize_t", CT_LONG},    {"__off_t", CT_LONG},
    {"__off64_t", CT_LONG},    {"__time_t", CT_LONG},
    {"__pid_t", CT_INT},       {"__uid_t", CT_UINT},
    {"__gid_t", CT_UINT},      {"__mode_t", CT_UINT},
    {"__socklen_t", CT_UINT},  {"__intmax_t", CT_LONG},
    {"__uintmax_t", CT_ULONG}, {"__intptr_t", CT_LONG},
    {"_Bool", CT_BOOL},        {"nullptr_t", CT_NULLPTR},
    {"string", CT_STRING},     {"__cxx11::string", CT_STRING},
    {"basic_string<char>", CT_STRING},
    {"__cxx11::basic_string<char>", CT_STRING},
    {"basic_string<char, char_traits<char>, allocator<char>>", CT_STRING},
    {"__cxx11::basic_string<char, std::char_traits<char>, "
     "std::allocator<char>>", CT_STRING},
    {"basic_string<char, std::char_traits<char>, std::allocator<char>>",
     CT_STRING},
};

int ct_typedef_kind(const char *name)
{
    size_t i;

    /* "std::size_t" is "size_t"; "::size_t" too. */
    if (strncmp(name, "::", 2) == 0) {
        name += 2;
    }
    if (strncmp(name, "std::", 5) == 0) {
        name += 5;
    } else if (strstr(name, "string") != NULL || strcmp(name,
                                                         "nullptr_t") == 0) {
        return -1; /* string and nullptr_t only under std:: */
    }
    for (i = 0; i < sizeof(typedefs) / sizeof(typedefs[0]); i++) {
        if (strcmp(typedefs[i].name, name) == 0) {
            return (int)typedefs[i].kind;
        }
    }
    return -1;
}

static int print_params(struct ct_type *const *params, size_t n,
                        int variadic, struct buf *out)
{
    size_t i;

    if (buf_puts(out, "(") != 0) {
        return -1;
    }
    for (i = 0; i < n; i++) {
        if ((i > 0 && buf_puts(out, ", ") != 0) ||
            ct_print(params[i], out) != 0) {
            return -1;
        }
    }
    if (variadic && buf_puts(out, n > 0 ? ", ..." : "...") != 0) {
        return -1;
    }
    return buf_puts(out, ")");
}

/* Print a chain of pointers/references ending in a function type:
 * "int (*)(int)", "void (*&)()". */
static int print_func_pointer(const struct ct_type *t, struct buf *out)
{
    const struct ct_type *f = t;
    struct buf ops = BUF_INIT;
    int rc = -1;

    /* Collect the declarator operators from the inside out. */
    while (f->kind == CT_PTR || f->kind == CT_REF || f->kind == CT_RREF) {
        f = f->sub;
    }
    if (ct_print(f->sub, out) != 0 || buf_puts(out, " (") != 0) {
        goto out;
    }
    for (f = t; f->kind != CT_FUNC; f = f->sub) {
        const char *op = f->kind == CT_PTR ? "*"
                         : f->kind == CT_REF ? "&" : "&&";

        /* Outer operators are written to the right of inner ones. */
        struct buf tmp = BUF_INIT;

        if (buf_puts(&tmp, op) != 0 ||
            buf_puts(&tmp, f->is_const ? " const" : "") != 0 ||
            buf_append(&tmp, ops.data, ops.len) != 0) {
            buf_free(&tmp);
            goto out;
        }
        buf_free(&ops);
        ops = tmp;
    }
    if (buf_append(out, ops.data, ops.len) != 0 || buf_puts(out, ")") != 0 ||
        print_params(f->params, f->nparams, f->variadic, out) != 0) {
        goto out;
    }
    rc = 0;
out:
    buf_free(&ops);
    return rc;
}

int ct_print(const struct ct_type *t, struct buf *out)
{
    const struct ct_type *f;
    char num[32];

    switch (t->kind) {
    case CT_NAMED:
        if (buf_puts(out, t->name) != 0) {
            return -1;
        }
        break;
    case CT_STRING:
        if (buf_puts(out, "std::string") != 0) {
            return -1;
        }
        break;
    case CT_PTR:
    case CT_REF:
    case CT_RREF:
        for (f = t; f->kind == CT_PTR || f->kind == CT_REF ||
                    f->kind == CT_RREF;
             f = f->sub) {
        }
        if (f->kind == CT_FUNC) {
            return print_func_pointer(t, out);
        }
        if (ct_print(t->sub, out) != 0 ||
            buf_puts(out, t->kind == CT_PTR ? "*"
                          : t->kind == CT_REF ? "&" : "&&") != 0) {
            return -1;
        }
        break;
    case CT_ARRAY:
        if (t->count > 0) {
            snprintf(num, sizeof(num), "[%zu]", t->count);
        } else {
            strcpy(num, "[]");
        }
        if (ct_print(t->sub, out) != 0 || buf_puts(out, num) != 0) {
            return -1;
        }
        break;
    case CT_FUNC:
        if (ct_print(t->sub, out) != 0 || buf_puts(out, " ") != 0 ||
            print_params(t->params, t->nparams, t->variadic, out) != 0) {
            return -1;
        }
        break;
    default:
        if (buf_puts(out, ct_scalar_name(t->kind)) != 0) {
            return -1;
        }
        break;
    }
    if (t->is_const && t->kind != CT_FUNC && buf_puts(out, " const") != 0) {
        return -1;
    }
    if (t->is_volatile && buf_puts(out, " volatile") != 0) {
        return -1;
    }
    return 0;
}
