/* mangle: parsed declarations to Itanium C++ ABI mangled names.
 *
 * The rules are those of the Itanium C++ ABI, section 5.1 "External
 * Names" (itanium-cxx-abi.github.io/cxx-abi/abi.html#mangling): nested
 * names N...E, builtin type codes, substitutions S_, S0_, ... of every
 * prefix and non-builtin type already seen, the std:: abbreviations
 * St/Sa/Sb/Ss/Si/So/Sd, operator codes, C1/C2 and D0/D1/D2. The ABI tag
 * "cxx11" that GCC gives a function returning a std::__cxx11 type is
 * GCC's rule (gcc.gnu.org/onlinedocs/gcc/C_002b_002b-Attributes.html,
 * abi_tag).
 *
 * Names arrive as the parser's canonical text ("std::vector<int,
 * std::allocator<int>>"), so the same text always names the same entity:
 * the substitution table is a list of such texts, and a type's key is
 * its canonical spelling (key_of). */
#include "cxx/mangle.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* std::string as libstdc++'s new ABI names it, in canonical text. */
#define STRING_NAME \
    "std::__cxx11::basic_string<char, std::char_traits<char>, " \
    "std::allocator<char>>"

#define MAX_COMPS 32
#define MAX_ARGS 32

struct mg {
    struct buf *out;
    char **subs; /* substitution candidates, in order */
    size_t nsubs, cap;
    int status;  /* 0, 1 cannot be expressed, -1 out of memory */
    struct ct_arena scratch;
    /* A function template: the keys of its template arguments (NULL for
     * a value); while tparams is on, a type equal to argument j is the
     * template parameter it was declared as and is written T<j>_. */
    char *targ[MAX_ARGS];
    size_t ntarg;
    int tparams;
};

/* One component of a qualified name: [start, end) in the text, the
 * identifier ending at id_end, template arguments after it when
 * has_args. */
struct comp {
    size_t start, id_end, end;
    int has_args;
};

static void put(struct mg *m, const char *s)
{
    if (m->status == 0 && buf_puts(m->out, s) != 0) {
        m->status = -1;
    }
}

static void putn(struct mg *m, const char *s, size_t n)
{
    if (m->status == 0 && buf_append(m->out, s, n) != 0) {
        m->status = -1;
    }
}

static void cannot(struct mg *m)
{
    if (m->status == 0) {
        m->status = 1;
    }
}

/* <source-name> ::= <length> <identifier> */
static void put_source(struct mg *m, const char *s, size_t n)
{
    if (m->status == 0 && buf_printf(m->out, "%zu", n) != 0) {
        m->status = -1;
    }
    putn(m, s, n);
}

static long sub_find(struct mg *m, const char *key, size_t n)
{
    size_t i;

    for (i = 0; i < m->nsubs; i++) {
        if (strlen(m->subs[i]) == n && memcmp(m->subs[i], key, n) == 0) {
            return (long)i;
        }
    }
    return -1;
}

static void sub_add(struct mg *m, const char *key, size_t n)
{
    if (m->status != 0 || sub_find(m, key, n) >= 0) {
        return;
    }
    if (m->nsubs == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 16;
        char **v = realloc(m->subs, cap * sizeof(*v));

        if (v == NULL) {
            m->status = -1;
            return;
        }
        m->subs = v;
        m->cap = cap;
    }
    m->subs[m->nsubs] = malloc(n + 1);
    if (m->subs[m->nsubs] == NULL) {
        m->status = -1;
        return;
    }
    memcpy(m->subs[m->nsubs], key, n);
    m->subs[m->nsubs][n] = '\0';
    m->nsubs++;
}

/* <substitution> ::= S_ | S <seq-id> _, seq-id in base 36 (0-9A-Z)
 * numbering the second candidate 0. */
static void put_sub(struct mg *m, long i)
{
    char digits[16];
    size_t n = 0;
    unsigned long v;

    put(m, "S");
    if (i > 0) {
        v = (unsigned long)(i - 1);
        do {
            digits[n++] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[v % 36];
            v /= 36;
        } while (v > 0);
        while (n > 0) {
            putn(m, &digits[--n], 1);
        }
    }
    put(m, "_");
}

static const char *const builtin_code[] = {
    [CT_VOID] = "v",    [CT_BOOL] = "b",    [CT_CHAR] = "c",
    [CT_SCHAR] = "a",   [CT_UCHAR] = "h",   [CT_SHORT] = "s",
    [CT_USHORT] = "t",  [CT_INT] = "i",     [CT_UINT] = "j",
    [CT_LONG] = "l",    [CT_ULONG] = "m",   [CT_LLONG] = "x",
    [CT_ULLONG] = "y",  [CT_WCHAR] = "w",   [CT_CHAR8] = "Du",
    [CT_CHAR16] = "Ds", [CT_CHAR32] = "Di", [CT_INT128] = "n",
    [CT_UINT128] = "o", [CT_FLOAT] = "f",   [CT_DOUBLE] = "d",
    [CT_LDOUBLE] = "e", [CT_NULLPTR] = "Dn",
};

static int key_of(const struct mg *m, const struct ct_type *t,
                  struct buf *out);

/* The function template argument that the unqualified t is, while
 * template parameters are written (m->tparams), or -1; -2 when memory
 * ran out (t may be one). */
static long targ_of(const struct mg *m, const struct ct_type *t)
{
    struct ct_type u;
    struct buf key = BUF_INIT;
    long r = -1;
    size_t j;

    if (m == NULL || !m->tparams || m->ntarg == 0) {
        return -1;
    }
    u = *t;
    u.is_const = 0;
    u.is_volatile = 0;
    if (key_of(NULL, &u, &key) != 0) {
        buf_free(&key);
        return -2;
    }
    for (j = 0; j < m->ntarg && r < 0; j++) {
        if (m->targ[j] != NULL && strcmp(m->targ[j], key.data) == 0) {
            r = (long)j;
        }
    }
    buf_free(&key);
    return r;
}

/* The canonical key of t (cv included), into out; a template parameter
 * as "\1T<j>". */
static int key_of(const struct mg *m, const struct ct_type *t,
                  struct buf *out)
{
    size_t i;
    int rc = 0;
    long j = targ_of(m, t);

    if (j == -2) {
        rc = -1;
    } else if (j >= 0) {
        rc = buf_printf(out, "\1T%ld", j);
    } else switch (t->kind) {
    case CT_NAMED:
        rc = buf_puts(out, t->name);
        break;
    case CT_STRING:
        rc = buf_puts(out, STRING_NAME);
        break;
    case CT_PTR:
    case CT_REF:
    case CT_RREF:
        rc = key_of(m, t->sub, out) ||
             buf_puts(out, t->kind == CT_PTR ? "*"
                           : t->kind == CT_REF ? "&" : "&&");
        break;
    case CT_ARRAY:
        rc = key_of(m, t->sub, out) || buf_printf(out, "[%zu]", t->count);
        break;
    case CT_FUNC:
        rc = key_of(m, t->sub, out) || buf_puts(out, "(");
        for (i = 0; rc == 0 && i < t->nparams; i++) {
            rc = (i > 0 && buf_puts(out, ",")) ||
                 key_of(m, t->params[i], out);
        }
        rc = rc || (t->variadic && buf_puts(out, ",...")) ||
             buf_puts(out, ")");
        break;
    default:
        rc = buf_puts(out, ct_scalar_name(t->kind));
        break;
    }
    if (rc == 0 && t->is_volatile) {
        rc = buf_puts(out, " volatile");
    }
    if (rc == 0 && t->is_const) {
        rc = buf_puts(out, " const");
    }
    return rc ? -1 : 0;
}

static void mtype(struct mg *m, const struct ct_type *t);
static void mname(struct mg *m, const char *name, int is_type,
                  const struct ct_decl *fn, enum mangle_variant v);

/* A parameter's type as it identifies the function: top-level cv
 * dropped, arrays and functions decayed to pointers. */
static void mparam(struct mg *m, const struct ct_type *t)
{
    struct ct_type copy = *t, ptr = {0};

    copy.is_const = 0;
    copy.is_volatile = 0;
    if (t->kind == CT_ARRAY || t->kind == CT_FUNC) {
        ptr.kind = CT_PTR;
        ptr.sub = t->kind == CT_ARRAY ? t->sub : &copy;
        mtype(m, &ptr);
        return;
    }
    mtype(m, &copy);
}

/* <bare-function-type>: the parameters, "v" for none, "z" for "...". */
static void mparams(struct mg *m, struct ct_type *const *types,
                    const struct ct_param *params, size_t n, int variadic,
                    const unsigned *tmask)
{
    size_t i;

    if (n == 0 && !variadic) {
        put(m, "v");
    }
    for (i = 0; i < n; i++) {
        if (tmask != NULL) {
            m->tparams = i + 1 < 32 && ((*tmask >> (i + 1)) & 1u);
        }
        mparam(m, types != NULL ? types[i] : params[i].type);
    }
    if (tmask != NULL) {
        m->tparams = 0;
    }
    if (variadic) {
        put(m, "z");
    }
}

/* A compound or qualified type: the substitution when t's key is known,
 * else its encoding, after which the key becomes a candidate. */
static void mcompound(struct mg *m, const struct ct_type *t)
{
    struct buf key = BUF_INIT;
    long i;

    if (key_of(m, t, &key) != 0) {
        m->status = -1;
        return;
    }
    i = sub_find(m, key.data, key.len);
    if (i >= 0) {
        put_sub(m, i);
        buf_free(&key);
        return;
    }
    if (t->is_const || t->is_volatile) {
        struct ct_type u = *t;

        u.is_const = 0;
        u.is_volatile = 0;
        put(m, t->is_volatile ? (t->is_const ? "VK" : "V") : "K");
        mtype(m, &u);
    } else if (t->kind == CT_FUNC) {
        put(m, "F");
        mtype(m, t->sub);
        mparams(m, t->params, NULL, t->nparams, t->variadic, NULL);
        put(m, "E");
    } else if (t->kind == CT_ARRAY) {
        if (m->status == 0 && buf_printf(m->out, "A%zu_", t->count) != 0) {
            m->status = -1;
        }
        mtype(m, t->sub);
    } else {
        put(m, t->kind == CT_PTR ? "P" : t->kind == CT_REF ? "R" : "O");
        mtype(m, t->sub);
    }
    sub_add(m, key.data, key.len);
    buf_free(&key);
}

/* <template-param> ::= T_ | T <number> _, itself a candidate. */
static void mtparam(struct mg *m, long j)
{
    char key[32];
    long i;

    snprintf(key, sizeof(key), "\1T%ld", j);
    i = sub_find(m, key, strlen(key));
    if (i >= 0) {
        put_sub(m, i);
        return;
    }
    if (j == 0) {
        put(m, "T_");
    } else if (m->status == 0 && buf_printf(m->out, "T%ld_", j - 1) != 0) {
        m->status = -1;
    }
    sub_add(m, key, strlen(key));
}

static void mtype(struct mg *m, const struct ct_type *t)
{
    long j;

    if (m->status != 0) {
        return;
    }
    j = t->is_const || t->is_volatile ? -1 : targ_of(m, t);
    if (j == -2) {
        m->status = -1;
    } else if (j >= 0) {
        mtparam(m, j);
    } else if (!t->is_const && !t->is_volatile && t->kind < CT_NAMED) {
        put(m, builtin_code[t->kind]);
    } else if (!t->is_const && !t->is_volatile && t->kind == CT_NAMED) {
        mname(m, t->name, 1, NULL, MANGLE_COMPLETE);
    } else if (!t->is_const && !t->is_volatile && t->kind == CT_STRING) {
        mname(m, STRING_NAME, 1, NULL, MANGLE_COMPLETE);
    } else {
        mcompound(m, t);
    }
}

/* Split canonical name text into components at "::" outside template
 * arguments; an operator is always the last component. Returns the
 * count, 0 when the text is not a name this mangler reads. */
static size_t split_name(const char *s, struct comp *c, size_t max)
{
    size_t n = 0, i = 0;

    for (;;) {
        int depth = 0;

        if (n == max || !(isalpha((unsigned char)s[i]) || s[i] == '_' ||
                          s[i] == '~')) {
            return 0; /* "(anonymous namespace)", "{lambda...}" */
        }
        c[n].start = i;
        c[n].has_args = 0;
        if (strncmp(s + i, "operator", 8) == 0 &&
            !isalnum((unsigned char)s[i + 8]) && s[i + 8] != '_') {
            c[n].id_end = c[n].end = strlen(s);
            return n + 1;
        }
        i += s[i] == '~';
        while (isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == '$') {
            i++;
        }
        c[n].id_end = i;
        if (s[i] == '<') {
            c[n].has_args = 1;
            do {
                depth += s[i] == '<' || s[i] == '(';
                depth -= s[i] == '>' || s[i] == ')';
                i++;
            } while (s[i] != '\0' && depth > 0);
            if (depth != 0) {
                return 0;
            }
        }
        c[n].end = i;
        n++;
        if (s[i] == '\0') {
            return n;
        }
        if (s[i] != ':' || s[i + 1] != ':') {
            return 0;
        }
        i += 2;
    }
}

/* A template argument that is a literal: "3", "3u", "-1l", "true",
 * "(char)65", "(ns::E)2" -> L <type> <value> E. Returns 0 when text is
 * not a literal. */
static int mliteral(struct mg *m, const char *s, size_t n)
{
    static const struct {
        const char *suffix, *code;
    } sfx[] = {{"", "i"}, {"u", "j"}, {"l", "l"}, {"ul", "m"},
               {"ll", "x"}, {"ull", "y"}};
    size_t i, d;

    if ((n == 4 && memcmp(s, "true", 4) == 0) ||
        (n == 5 && memcmp(s, "false", 5) == 0)) {
        put(m, n == 4 ? "Lb1E" : "Lb0E");
        return 1;
    }
    if (s[0] == '(') {
        const char *close = memchr(s, ')', n);
        char *text;
        struct decl_error err;
        struct ct_type *t;

        if (close == NULL) {
            return 0;
        }
        text = ct_strndup(&m->scratch, s + 1, (size_t)(close - s - 1));
        t = text != NULL ? decl_parse_type(text, &m->scratch, &err) : NULL;
        if (t == NULL) {
            cannot(m);
            return 1;
        }
        put(m, "L");
        mtype(m, t);
        n -= (size_t)(close + 1 - s);
        s = close + 1;
        i = n > 0 && s[0] == '-';
        if (i) {
            put(m, "n");
        }
        d = strspn(s + i, "0123456789");
        if (d == 0 || i + d != n) {
            cannot(m);
            return 1;
        }
        putn(m, s + i, d);
        put(m, "E");
        return 1;
    }
    i = s[0] == '-';
    d = i;
    while (d < n && isdigit((unsigned char)s[d])) {
        d++;
    }
    if (d == i) {
        return 0;
    }
    for (size_t k = 0; k < sizeof(sfx) / sizeof(sfx[0]); k++) {
        if (strlen(sfx[k].suffix) == n - d &&
            memcmp(s + d, sfx[k].suffix, n - d) == 0) {
            put(m, "L");
            put(m, sfx[k].code);
            put(m, i ? "n" : "");
            putn(m, s + i, d - i);
            put(m, "E");
            return 1;
        }
    }
    cannot(m);
    return 1;
}

/* <template-args> ::= I <template-arg>+ E, from the text between the
 * '<' and '>' of a component. */
static void margs(struct mg *m, const char *s, size_t from, size_t to)
{
    size_t i = from, start;
    int depth = 0;

    put(m, "I");
    while (m->status == 0 && i < to) {
        size_t end;

        while (i < to && s[i] == ' ') {
            i++;
        }
        start = i;
        while (i < to && !(depth == 0 && s[i] == ',')) {
            depth += s[i] == '<' || s[i] == '(';
            depth -= s[i] == '>' || s[i] == ')';
            i++;
        }
        end = i;
        while (end > start && s[end - 1] == ' ') {
            end--;
        }
        if (end > start && !mliteral(m, s + start, end - start)) {
            struct decl_error err;
            char *text = ct_strndup(&m->scratch, s + start, end - start);
            struct ct_type *t =
                text != NULL ? decl_parse_type(text, &m->scratch, &err)
                             : NULL;

            if (t == NULL) {
                if (text == NULL || err.column == 0) {
                    m->status = -1;
                }
                cannot(m);
                return;
            }
            mtype(m, t);
        }
        i++; /* the ',' */
    }
    put(m, "E");
}

/* Is [0, n) of s exactly w? */
static int spells(const char *s, size_t n, const char *w)
{
    return strlen(w) == n && memcmp(s, w, n) == 0;
}

/* The std:: abbreviations of whole classes (Ss, Si, So, Sd), also as the
 * demangler prints them ("std::istream"). */
static const char *std_class_abbrev(const char *s, size_t n)
{
    static const struct {
        const char *name, *code;
    } t[] = {
        {"std::basic_string<char, std::char_traits<char>, "
         "std::allocator<char>>", "Ss"},
        {"std::basic_istream<char, std::char_traits<char>>", "Si"},
        {"std::basic_ostream<char, std::char_traits<char>>", "So"},
        {"std::basic_iostream<char, std::char_traits<char>>", "Sd"},
        {"std::istream", "Si"},
        {"std::ostream", "So"},
        {"std::iostream", "Sd"},
    };
    size_t i;

    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        if (spells(s, n, t[i].name)) {
            return t[i].code;
        }
    }
    return NULL;
}

/* The std:: abbreviations of templates: Sa, Sb. */
static const char *std_template_abbrev(const char *s, size_t n)
{
    return spells(s, n, "std::allocator") ? "Sa"
           : spells(s, n, "std::basic_string") ? "Sb" : NULL;
}

/* Emit component k (identifier and template arguments) after its prefix
 * was emitted; each of the template name and the whole becomes a
 * candidate. */
static void mcomp(struct mg *m, const char *s, const struct comp *c)
{
    put_source(m, s + c->start, c->id_end - c->start);
    if (c->has_args) {
        sub_add(m, s, c->id_end);
        margs(m, s, c->id_end + 1, c->end - 1);
    }
    sub_add(m, s, c->end);
}

/* Emit the prefixes c[0..upto) of name s, resuming after the longest one
 * that is already a substitution (or an abbreviation). */
static void mprefix(struct mg *m, const char *s, const struct comp *c,
                    size_t upto)
{
    size_t k, start = 0;

    for (k = upto; k-- > 0;) {
        const char *ab = std_class_abbrev(s, c[k].end);
        long i = sub_find(m, s, c[k].end);

        if (i >= 0 || ab != NULL) {
            if (i >= 0) {
                put_sub(m, i);
            } else {
                put(m, ab);
            }
            start = k + 1;
            break;
        }
        if (c[k].has_args) {
            ab = std_template_abbrev(s, c[k].id_end);
            i = sub_find(m, s, c[k].id_end);
            if (i >= 0 || ab != NULL) {
                if (i >= 0) {
                    put_sub(m, i);
                } else {
                    put(m, ab);
                }
                margs(m, s, c[k].id_end + 1, c[k].end - 1);
                sub_add(m, s, c[k].end);
                start = k + 1;
                break;
            }
        }
    }
    if (start == 0 && upto > 0 && spells(s, c[0].end, "std")) {
        put(m, "St");
        start = 1;
    }
    for (k = start; k < upto && m->status == 0; k++) {
        mcomp(m, s, &c[k]);
    }
}

/* The operator codes of section 5.1.5; arity 1 or 2 where it matters. */
static const char *operator_code(const char *op, int arity)
{
    static const struct {
        const char *op, *code;
        int arity; /* 0: any */
    } t[] = {
        {"new", "nw", 0},  {"new[]", "na", 0}, {"delete", "dl", 0},
        {"delete[]", "da", 0}, {"+", "ps", 1}, {"-", "ng", 1},
        {"&", "ad", 1},    {"*", "de", 1},     {"~", "co", 0},
        {"+", "pl", 2},    {"-", "mi", 2},     {"*", "ml", 2},
        {"/", "dv", 0},    {"%", "rm", 0},     {"&", "an", 2},
        {"|", "or", 0},    {"^", "eo", 0},     {"=", "aS", 0},
        {"+=", "pL", 0},   {"-=", "mI", 0},    {"*=", "mL", 0},
        {"/=", "dV", 0},   {"%=", "rM", 0},    {"&=", "aN", 0},
        {"|=", "oR", 0},   {"^=", "eO", 0},    {"<<", "ls", 0},
        {">>", "rs", 0},   {"<<=", "lS", 0},   {">>=", "rS", 0},
        {"==", "eq", 0},   {"!=", "ne", 0},    {"<", "lt", 0},
        {">", "gt", 0},    {"<=", "le", 0},    {">=", "ge", 0},
        {"<=>", "ss", 0},  {"!", "nt", 0},     {"&&", "aa", 0},
        {"||", "oo", 0},   {"++", "pp", 0},    {"--", "mm", 0},
        {",", "cm", 0},    {"->*", "pm", 0},   {"->", "pt", 0},
        {"()", "cl", 0},   {"[]", "ix", 0},
    };
    size_t i;

    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        if (strcmp(t[i].op, op) == 0 &&
            (t[i].arity == 0 || t[i].arity == arity)) {
            return t[i].code;
        }
    }
    return NULL;
}

/* A conversion operator: "cv" and its type ("operator bool" -> cvb). */
static void mconversion(struct mg *m, const char *type)
{
    struct decl_error err;
    struct ct_type *t = decl_parse_type(type, &m->scratch, &err);

    if (t == NULL) {
        if (err.column == 0) {
            m->status = -1;
        }
        cannot(m);
        return;
    }
    put(m, "cv");
    mtype(m, t);
}

/* The last component of a function's name: an operator, a constructor,
 * a destructor or a plain identifier. prev is the component before. */
static void munqualified_name(struct mg *m, const char *s,
                              const struct comp *c, const struct comp *prev,
                              const struct ct_decl *fn, enum mangle_variant v)
{
    const char *id = s + c->start;
    size_t n = c->id_end - c->start;

    if (strncmp(id, "operator", 8) == 0) {
        const char *op = id + 8;
        int arity = (int)fn->nparams + 1;
        const char *code;

        while (*op == ' ') {
            op++;
        }
        /* A one-parameter +, -, * or &: binary as a member, unary as a
         * free function; the variant says which to try. */
        if (v == MANGLE_DELETING && fn->nparams == 1) {
            arity = 1;
        }
        code = operator_code(op, arity > 2 ? 2 : arity);
        if (code == NULL && op > id + 8) {
            mconversion(m, op);
            return;
        }
        if (code == NULL) {
            cannot(m); /* a literal operator */
            return;
        }
        put(m, code);
        return;
    }
    if (id[0] == '~') {
        put(m, v == MANGLE_COMPLETE ? "D1" : v == MANGLE_BASE ? "D2" : "D0");
        return;
    }
    if (prev != NULL && prev->id_end - prev->start == n &&
        memcmp(s + prev->start, id, n) == 0) {
        put(m, v == MANGLE_COMPLETE ? "C1" : v == MANGLE_BASE ? "C2" : "C3");
        return;
    }
    put_source(m, id, n);
}

/* The last component; a function template's name is a candidate, then
 * its template arguments follow. */
static void munqualified(struct mg *m, const char *s, const struct comp *c,
                         const struct comp *prev, const struct ct_decl *fn,
                         enum mangle_variant v)
{
    munqualified_name(m, s, c, prev, fn, v);
    if (c->has_args) {
        sub_add(m, s, c->id_end);
        margs(m, s, c->id_end + 1, c->end - 1);
    }
}

/* Does t mention a type of libstdc++'s std::__cxx11 namespace? */
static int mentions_cxx11(const struct ct_type *t, int *oom)
{
    struct buf key = BUF_INIT;
    int r;

    if (key_of(NULL, t, &key) != 0) {
        *oom = 1;
        return 0;
    }
    r = strstr(key.data, "__cxx11::") != NULL ||
        strstr(key.data, "std::string") != NULL;
    buf_free(&key);
    return r;
}

/* GCC's ABI tag of a function: the tags of its return type that neither
 * its name nor its parameters carry; in libstdc++ that is "cxx11" for a
 * function returning a std::__cxx11 type (std::string). A tag the
 * demangled text showed ("f[abi:cxx11]()") is taken as written. */
static void mtags(struct mg *m, const struct ct_decl *fn)
{
    size_t i;
    int oom = 0;

    if (fn->abi_tags != NULL) {
        const char *p = fn->abi_tags;

        while ((p = strstr(p, "[abi:")) != NULL) {
            const char *end = strchr(p, ']');

            if (end == NULL) {
                break;
            }
            put(m, "B");
            put_source(m, p + 5, (size_t)(end - p - 5));
            p = end;
        }
        return;
    }
    if (fn->ret == NULL || !mentions_cxx11(fn->ret, &oom) ||
        strstr(fn->name, "__cxx11::") != NULL ||
        strstr(fn->name, "std::string") != NULL) {
        if (oom) {
            m->status = -1;
        }
        return;
    }
    for (i = 0; i < fn->nparams; i++) {
        if (mentions_cxx11(fn->params[i].type, &oom)) {
            return;
        }
    }
    put(m, oom ? "" : "B5cxx11");
    if (oom) {
        m->status = -1;
    }
}

/* The default template arguments of the standard library's templates
 * (libstdc++), which a mangled name spells out and a declaration leaves
 * out: "std::vector<int>" is "std::vector<int, std::allocator<int>>".
 * "%1" and "%2" stand for the first two arguments. */
static const struct {
    const char *tmpl;
    const char *as;   /* the name libstdc++ gives it, or NULL */
    size_t given;     /* the arguments that have no default */
    const char *defaults[3];
} std_defaults[] = {
    {"std::vector", NULL, 1, {"std::allocator<%1>"}},
    {"std::deque", NULL, 1, {"std::allocator<%1>"}},
    {"std::forward_list", NULL, 1, {"std::allocator<%1>"}},
    {"std::list", "std::__cxx11::list", 1, {"std::allocator<%1>"}},
    {"std::__cxx11::list", NULL, 1, {"std::allocator<%1>"}},
    {"std::set", NULL, 1, {"std::less<%1>", "std::allocator<%1>"}},
    {"std::multiset", NULL, 1, {"std::less<%1>", "std::allocator<%1>"}},
    {"std::map", NULL, 2,
     {"std::less<%1>", "std::allocator<std::pair<%1 const, %2>>"}},
    {"std::multimap", NULL, 2,
     {"std::less<%1>", "std::allocator<std::pair<%1 const, %2>>"}},
    {"std::unordered_set", NULL, 1,
     {"std::hash<%1>", "std::equal_to<%1>", "std::allocator<%1>"}},
    {"std::unordered_map", NULL, 2,
     {"std::hash<%1>", "std::equal_to<%1>",
      "std::allocator<std::pair<%1 const, %2>>"}},
    {"std::unique_ptr", NULL, 1, {"std::default_delete<%1>"}},
    {"std::basic_string_view", NULL, 1, {"std::char_traits<%1>"}},
};

/* The [start, end) of the template arguments of c in s, at most max. */
static size_t split_args(const char *s, const struct comp *c, size_t *start,
                         size_t *end, size_t max)
{
    size_t i = c->id_end + 1, n = 0, to = c->end - 1;
    int depth = 0;

    while (i < to && n < max) {
        while (i < to && s[i] == ' ') {
            i++;
        }
        start[n] = i;
        while (i < to && !(depth == 0 && s[i] == ',')) {
            depth += s[i] == '<' || s[i] == '(';
            depth -= s[i] == '>' || s[i] == ')';
            i++;
        }
        end[n] = i;
        while (end[n] > start[n] && s[end[n] - 1] == ' ') {
            end[n]--;
        }
        n++;
        i++;
    }
    return n;
}

/* Append a default argument: text with %1 and %2 replaced. */
static int put_default(struct buf *out, const char *text, const char *s,
                       const size_t *start, const size_t *end, size_t nargs)
{
    for (; *text != '\0'; text++) {
        if (text[0] == '%' && (text[1] == '1' || text[1] == '2') &&
            (size_t)(text[1] - '1') < nargs) {
            size_t a = (size_t)(text[1] - '1');

            if (buf_append(out, s + start[a], end[a] - start[a]) != 0) {
                return -1;
            }
            text++;
        } else if (buf_append(out, text, 1) != 0) {
            return -1;
        }
    }
    return 0;
}

/* s with the standard templates' default arguments written out, into
 * out (the arguments' own defaults are completed when they are mangled).
 * Returns 0, or -1 when memory runs out. */
static int complete_defaults(const char *s, struct buf *out)
{
    struct comp c[MAX_COMPS];
    size_t n, k, i, from = 0;

    if (strcmp(s, "std::string_view") == 0) {
        s = "std::basic_string_view<char>";
    } else if (strcmp(s, "std::wstring_view") == 0) {
        s = "std::basic_string_view<wchar_t>";
    }
    n = split_name(s, c, MAX_COMPS);
    for (k = 0; k < n; k++) {
        size_t start[MAX_ARGS], end[MAX_ARGS], nargs, total, d;

        for (i = 0; i < sizeof(std_defaults) / sizeof(std_defaults[0]); i++) {
            if (c[k].has_args && spells(s, c[k].id_end, std_defaults[i].tmpl)) {
                break;
            }
        }
        if (i == sizeof(std_defaults) / sizeof(std_defaults[0])) {
            continue;
        }
        nargs = split_args(s, &c[k], start, end, MAX_ARGS);
        for (total = 0; total < 3 && std_defaults[i].defaults[total];) {
            total++;
        }
        total += std_defaults[i].given;
        if (std_defaults[i].as != NULL) {
            if (buf_append(out, s + from, c[0].start - from) != 0 ||
                buf_puts(out, std_defaults[i].as) != 0) {
                return -1;
            }
            from = c[k].id_end;
        }
        if (nargs < std_defaults[i].given || nargs >= total) {
            continue;
        }
        if (buf_append(out, s + from, c[k].end - 1 - from) != 0) {
            return -1;
        }
        for (d = nargs - std_defaults[i].given; d + std_defaults[i].given <
                                                total; d++) {
            if (buf_puts(out, ", ") != 0 ||
                put_default(out, std_defaults[i].defaults[d], s, start, end,
                            nargs) != 0) {
                return -1;
            }
        }
        from = c[k].end - 1;
    }
    return buf_puts(out, s + from);
}

/* <name>: of a type (is_type; the whole becomes a candidate) or of the
 * function fn (its last component is not a candidate). */
static void mname(struct mg *m, const char *name, int is_type,
                  const struct ct_decl *fn, enum mangle_variant v)
{
    struct comp c[MAX_COMPS];
    struct buf full = BUF_INIT;
    const char *s;
    size_t n, upto, own;
    int nested;

    if (m->status != 0) {
        return;
    }
    if (complete_defaults(name, &full) != 0) {
        buf_free(&full);
        m->status = -1;
        return;
    }
    s = ct_strndup(&m->scratch, full.data, full.len);
    buf_free(&full);
    if (s == NULL) {
        m->status = -1;
        return;
    }
    n = split_name(s, c, MAX_COMPS);
    if (n == 0) {
        cannot(m);
        return;
    }
    if (is_type) {
        const char *ab = std_class_abbrev(s, strlen(s));
        long i = sub_find(m, s, strlen(s));

        if (i >= 0 || ab != NULL) {
            if (i >= 0) {
                put_sub(m, i);
            } else {
                put(m, ab);
            }
            return;
        }
    }
    own = n - (spells(s, c[0].end, "std") ? 1 : 0);
    nested = own > 1 || (fn != NULL && (fn->is_const || fn->is_volatile ||
                                        fn->ref_qual));
    upto = is_type ? n : n - 1;
    if (nested) {
        put(m, "N");
        if (fn != NULL && fn->is_volatile) {
            put(m, "V");
        }
        if (fn != NULL && fn->is_const) {
            put(m, "K");
        }
        if (fn != NULL && fn->ref_qual) {
            put(m, fn->ref_qual == 1 ? "R" : "O");
        }
    }
    if (is_type) {
        mprefix(m, s, c, upto);
    } else {
        mprefix(m, s, c, upto);
        munqualified(m, s, &c[n - 1], n > 1 ? &c[n - 2] : NULL, fn, v);
        if (!c[n - 1].has_args) {
            mtags(m, fn); /* a template's return type is in its name */
        }
    }
    if (nested) {
        put(m, "E");
    }
}

/* Is the text a literal template argument (a value, not a type)? */
static int is_literal(const char *s)
{
    return isdigit((unsigned char)s[0]) || s[0] == '-' || s[0] == '(' ||
           strcmp(s, "true") == 0 || strcmp(s, "false") == 0;
}

/* A function template's own template arguments, as type keys (NULL for
 * a value), into m->targ. Returns 1 when name's last component has
 * template arguments, 0 when it has none, -1 out of memory. */
static int template_args(struct mg *m, const char *name)
{
    struct comp c[MAX_COMPS];
    size_t n = split_name(name, c, MAX_COMPS), start[MAX_ARGS],
           end[MAX_ARGS], j;

    if (n == 0 || !c[n - 1].has_args) {
        return 0;
    }
    m->ntarg = split_args(name, &c[n - 1], start, end, MAX_ARGS);
    for (j = 0; j < m->ntarg; j++) {
        struct decl_error err;
        struct buf key = BUF_INIT;
        char *text = ct_strndup(&m->scratch, name + start[j],
                                end[j] - start[j]);
        struct ct_type *t;

        if (text == NULL) {
            return -1;
        }
        m->targ[j] = NULL;
        t = is_literal(text) ? NULL
                             : decl_parse_type(text, &m->scratch, &err);
        if (t == NULL && !is_literal(text) && err.column == 0) {
            return -1;  /* out of memory, not "not a type" */
        }
        if (t == NULL) {
            continue;
        }
        if (key_of(NULL, t, &key) != 0) {
            buf_free(&key);
            return -1;
        }
        m->targ[j] = ct_strndup(&m->scratch, key.data, key.len);
        buf_free(&key);
        if (m->targ[j] == NULL) {
            return -1;
        }
    }
    return 1;
}

static void mg_free(struct mg *m)
{
    size_t i;

    for (i = 0; i < m->nsubs; i++) {
        free(m->subs[i]);
    }
    free(m->subs);
    ct_arena_free(&m->scratch);
}

int mangle_decl_as(const struct ct_decl *d, enum mangle_variant v,
                   unsigned tmask, struct buf *out)
{
    struct mg m = {0};
    struct buf name = BUF_INIT;
    const char *full;
    int templ;

    m.out = out;
    if (d->name[0] == '\0') {
        return 1;
    }
    put(&m, "_Z");
    /* "std::string::size()": a member of the std::string a declaration
     * means, libstdc++'s cxx11 one. */
    if (strncmp(d->name, "std::string::", 13) == 0) {
        if (buf_puts(&name, STRING_NAME) != 0 ||
            buf_puts(&name, d->name + 11) != 0) {
            buf_free(&name);
            return -1;
        }
    }
    full = name.data != NULL ? name.data : d->name;
    templ = template_args(&m, full);
    if (templ < 0) {
        m.status = -1;
    }
    mname(&m, full, 0, d, v);
    buf_free(&name);
    /* A function template's encoding has its return type (constructors,
     * destructors and conversions have none). */
    if (templ > 0 && !mangle_is_structor(d) &&
        strncmp(d->base, "operator ", 9) != 0) {
        if (d->ret == NULL) {
            cannot(&m);
        } else {
            m.tparams = tmask & 1u;
            mtype(&m, d->ret);
            m.tparams = 0;
        }
    }
    mparams(&m, NULL, d->params, d->nparams, d->variadic, &tmask);
    mg_free(&m);
    return m.status;
}

int mangle_decl(const struct ct_decl *d, enum mangle_variant v,
                struct buf *out)
{
    return mangle_decl_as(d, v, 0, out);
}

/* Does t mention one of the template argument keys of m? 1 yes, 0 no,
 * -1 out of memory. */
static int mentions_targ(const struct mg *m, const struct ct_type *t)
{
    struct buf key = BUF_INIT;
    size_t j;
    int r = 0;

    if (key_of(NULL, t, &key) != 0) {
        buf_free(&key);
        return -1;
    }
    for (j = 0; j < m->ntarg && !r; j++) {
        r = m->targ[j] != NULL && strstr(key.data, m->targ[j]) != NULL;
    }
    buf_free(&key);
    return r;
}

int mangle_template_mask(const struct ct_decl *d, unsigned *mask)
{
    struct mg m = {0};
    int r = template_args(&m, d->name), k;
    size_t i;

    *mask = 0;
    if (r == 1) {
        r = 0;
        k = d->ret != NULL ? mentions_targ(&m, d->ret) : 0;
        if (k < 0) {
            r = -1;
        } else if (k > 0) {
            *mask |= 1u;
        }
        for (i = 0; r == 0 && i < d->nparams && i + 1 < 32; i++) {
            k = mentions_targ(&m, d->params[i].type);
            if (k < 0) {
                r = -1;
            } else if (k > 0) {
                *mask |= 1u << (i + 1);
            }
        }
    }
    mg_free(&m);
    if (r < 0) {
        *mask = 0;
        return -1;
    }
    return 0;
}

unsigned mangle_template_positions(const struct ct_decl *d)
{
    unsigned mask;

    return mangle_template_mask(d, &mask) == 0 ? mask : 0;
}

int mangle_c_name(const struct ct_decl *d)
{
    return d->name[0] != '\0' && strstr(d->name, "::") == NULL &&
           strchr(d->name, '<') == NULL &&
           strncmp(d->name, "operator", 8) != 0 && d->name[0] != '~';
}

int mangle_is_structor(const struct ct_decl *d)
{
    struct comp c[MAX_COMPS];
    size_t n;

    if (d->is_dtor) {
        return 1;
    }
    n = split_name(d->name, c, MAX_COMPS);
    return n >= 2 && c[n - 2].id_end - c[n - 2].start ==
                         c[n - 1].id_end - c[n - 1].start &&
           memcmp(d->name + c[n - 2].start, d->name + c[n - 1].start,
                  c[n - 1].id_end - c[n - 1].start) == 0;
}

int mangle_class(const char *name, struct buf *out)
{
    struct mg m = {0};
    size_t i;

    m.out = out;
    mname(&m, name, 1, NULL, MANGLE_COMPLETE);
    for (i = 0; i < m.nsubs; i++) {
        free(m.subs[i]);
    }
    free(m.subs);
    ct_arena_free(&m.scratch);
    return m.status;
}
