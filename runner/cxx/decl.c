/* ffi_decl: a recursive-descent parser for the subset of C and C++
 * declarator syntax that function declarations and demangled symbol
 * names use.
 *
 * The same parser reads what the user writes ("const char* f(size_t n)")
 * and what __cxa_demangle prints ("f(unsigned long)"), and both become
 * ct_type trees whose canonical spelling (ct_print) is compared: that is
 * how "size_t" meets "unsigned long" and "const char*" meets
 * "char const*". The parser fails rather than guesses: a demangled name
 * it cannot read (an operator with templates, a lambda) is simply not a
 * candidate for matching. */
#include "cxx/decl.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum tok_kind { T_END, T_IDENT, T_NUM, T_STR, T_PUNCT };

struct token {
    enum tok_kind kind;
    size_t start;
    size_t len;
};

struct parser {
    const char *s;
    size_t pos;          /* where the next token starts scanning */
    struct token tok;    /* the current token */
    struct ct_arena *a;
    struct decl_error *err;
    int failed;
    struct ct_type *conv; /* the type of the last conversion operator */
    size_t tags_from, tags_to; /* ABI tags of the last name component */
};

/* Record the first error only; returns NULL so callers can
 * `return fail(...)`. */
static void *fail_at(struct parser *p, size_t col, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* How many bytes the UTF-8 sequence led by byte c takes (1 for ASCII,
 * and for a byte that leads nothing: a stray byte is a token alone). */
static size_t utf8_len(unsigned char c)
{
    return c >= 0xF0 && c < 0xF8 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
}

/* The longest n' <= n such that s[0..n') ends on a character boundary:
 * a cut never leaves half a UTF-8 character (Python reads the
 * messages as UTF-8). */
static size_t utf8_cut(const char *s, size_t n)
{
    size_t lead = n;

    while (lead > 0 && n - lead < 4 &&
           ((unsigned char)s[lead - 1] & 0xC0) == 0x80) {
        lead--;
    }
    if (lead > 0 && (unsigned char)s[lead - 1] >= 0xC0 &&
        lead - 1 + utf8_len((unsigned char)s[lead - 1]) > n) {
        return lead - 1;
    }
    return n;
}

/* Has memory run out during this parse? Sticky: backtracking (which
 * copies the parser back, failed included) does not forget it, since it
 * is kept in err (column 0, "out of memory"), which fail_at leaves. */
static int nomem(const struct parser *p)
{
    return p->err->column == 0 && p->err->msg[0] != '\0';
}

static void *fail_at(struct parser *p, size_t col, const char *fmt, ...)
{
    va_list ap;

    if (nomem(p)) {
        p->failed = 1;
    } else if (!p->failed) {
        p->failed = 1;
        p->err->column = col + 1;
        va_start(ap, fmt);
        vsnprintf(p->err->msg, sizeof(p->err->msg), fmt, ap);
        va_end(ap);
        p->err->msg[utf8_cut(p->err->msg, strlen(p->err->msg))] = '\0';
    }
    return NULL;
}

/* Memory ran out: recorded over any syntax error found so far (that one
 * may have been found on a path the parser would have backed out of). */
static void *oom(struct parser *p)
{
    p->failed = 1;
    p->err->column = 0;
    snprintf(p->err->msg, sizeof(p->err->msg), "out of memory");
    return NULL;
}

static int is_ident_start(int c)
{
    return isalpha(c) || c == '_' || c == '$';
}

static int is_ident_char(int c)
{
    return isalnum(c) || c == '_' || c == '$';
}

/* Scan the token starting at or after p->pos into p->tok. */
static void scan(struct parser *p)
{
    const char *s = p->s;
    size_t i = p->pos;

    while (s[i] != '\0' && isspace((unsigned char)s[i])) {
        i++;
    }
    p->tok.start = i;
    if (s[i] == '\0') {
        p->tok.kind = T_END;
        p->tok.len = 0;
    } else if (is_ident_start((unsigned char)s[i])) {
        size_t j = i;

        while (is_ident_char((unsigned char)s[j])) {
            j++;
        }
        p->tok.kind = T_IDENT;
        p->tok.len = j - i;
    } else if (isdigit((unsigned char)s[i])) {
        size_t j = i;

        while (isalnum((unsigned char)s[j]) || s[j] == '.' || s[j] == '\'') {
            j++;
        }
        p->tok.kind = T_NUM;
        p->tok.len = j - i;
    } else if (s[i] == '"' || s[i] == '\'') {
        size_t j = i + 1;

        while (s[j] != '\0' && s[j] != s[i]) {
            j += (s[j] == '\\' && s[j + 1] != '\0') ? 2 : 1;
        }
        p->tok.kind = T_STR;
        p->tok.len = (s[j] == '\0' ? j : j + 1) - i;
    } else if ((unsigned char)s[i] >= 0x80) {
        /* Not C++: one character (its whole UTF-8 sequence), so that a
         * message quoting it never holds half of it. */
        size_t j = i + 1;

        while (j < i + utf8_len((unsigned char)s[i]) &&
               ((unsigned char)s[j] & 0xC0) == 0x80) {
            j++;
        }
        p->tok.kind = T_PUNCT;
        p->tok.len = j - i;
    } else {
        p->tok.kind = T_PUNCT;
        p->tok.len = 1;
        if ((s[i] == ':' && s[i + 1] == ':') ||
            (s[i] == '&' && s[i + 1] == '&') ||
            (s[i] == '-' && s[i + 1] == '>')) {
            p->tok.len = 2;
        } else if (s[i] == '.' && s[i + 1] == '.' && s[i + 2] == '.') {
            p->tok.len = 3;
        }
    }
}

static void advance(struct parser *p)
{
    p->pos = p->tok.start + p->tok.len;
    scan(p);
}

/* Does the current token spell exactly w? */
static int is(struct parser *p, const char *w)
{
    size_t n = strlen(w);

    return p->tok.kind != T_END && p->tok.len == n &&
           memcmp(p->s + p->tok.start, w, n) == 0;
}

static int accept(struct parser *p, const char *w)
{
    if (is(p, w)) {
        advance(p);
        return 1;
    }
    return 0;
}

/* Describe the current token for "expected X, found Y". */
static const char *found(struct parser *p, char *tmp, size_t n)
{
    if (p->tok.kind == T_END) {
        return "the end";
    }
    snprintf(tmp, n, "'%.*s'",
             (int)utf8_cut(p->s + p->tok.start,
                           p->tok.len > 40 ? 40 : p->tok.len),
             p->s + p->tok.start);
    return tmp;
}

static void *expected(struct parser *p, const char *what)
{
    char tmp[64];

    return fail_at(p, p->tok.start, "expected %s, found %s", what,
                   found(p, tmp, sizeof(tmp)));
}

static int expect(struct parser *p, const char *w)
{
    char what[16];

    if (accept(p, w)) {
        return 1;
    }
    snprintf(what, sizeof(what), "'%s'", w);
    expected(p, what);
    return 0;
}

/* Words that start or continue a declaration's specifiers. */
enum word {
    W_NONE, W_CONST, W_VOLATILE, W_STATIC, W_VIRTUAL, W_IGNORED,
    W_TAG, W_BUILTIN, W_SIGNED, W_UNSIGNED, W_SHORT, W_LONG
};

static const struct {
    const char *text;
    enum word word;
    enum ct_kind kind; /* W_BUILTIN */
} words[] = {
    {"const", W_CONST, 0},        {"volatile", W_VOLATILE, 0},
    {"static", W_STATIC, 0},      {"virtual", W_VIRTUAL, 0},
    {"inline", W_IGNORED, 0},     {"extern", W_IGNORED, 0},
    {"explicit", W_IGNORED, 0},   {"constexpr", W_IGNORED, 0},
    {"friend", W_IGNORED, 0},     {"register", W_IGNORED, 0},
    {"mutable", W_IGNORED, 0},    {"restrict", W_IGNORED, 0},
    {"__restrict", W_IGNORED, 0}, {"__restrict__", W_IGNORED, 0},
    {"struct", W_TAG, 0},         {"class", W_TAG, 0},
    {"union", W_TAG, 0},          {"enum", W_TAG, 0},
    {"typename", W_TAG, 0},       {"signed", W_SIGNED, 0},
    {"__signed__", W_SIGNED, 0},  {"unsigned", W_UNSIGNED, 0},
    {"short", W_SHORT, 0},        {"long", W_LONG, 0},
    {"void", W_BUILTIN, CT_VOID}, {"bool", W_BUILTIN, CT_BOOL},
    {"_Bool", W_BUILTIN, CT_BOOL}, {"char", W_BUILTIN, CT_CHAR},
    {"int", W_BUILTIN, CT_INT},   {"float", W_BUILTIN, CT_FLOAT},
    {"double", W_BUILTIN, CT_DOUBLE}, {"wchar_t", W_BUILTIN, CT_WCHAR},
    {"char8_t", W_BUILTIN, CT_CHAR8}, {"char16_t", W_BUILTIN, CT_CHAR16},
    {"char32_t", W_BUILTIN, CT_CHAR32}, {"__int128", W_BUILTIN, CT_INT128},
};

static enum word word_of(struct parser *p, enum ct_kind *kind)
{
    size_t i;

    if (p->tok.kind != T_IDENT) {
        return W_NONE;
    }
    for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        if (is(p, words[i].text)) {
            *kind = words[i].kind;
            return words[i].word;
        }
    }
    return W_NONE;
}

static int is_keyword(struct parser *p)
{
    enum ct_kind k;

    return word_of(p, &k) != W_NONE || is(p, "operator") ||
           is(p, "decltype") || is(p, "noexcept");
}

static struct ct_type *new_type(struct parser *p, enum ct_kind kind,
                                struct ct_type *sub)
{
    struct ct_type *t = ct_alloc(p->a, sizeof(*t));

    if (t == NULL) {
        return oom(p);
    }
    t->kind = kind;
    t->sub = sub;
    return t;
}

static struct ct_type *parse_type(struct parser *p);
static int parse_conversion(struct parser *p, struct buf *out);
static int parse_params(struct parser *p, struct ct_param **out, size_t *n,
                        unsigned char *variadic);

/* Append the source text [from, to) to out with runs of white space
 * squeezed to one space, and only between two identifier characters. */
static int append_squeezed(struct buf *out, const char *s, size_t from,
                           size_t to)
{
    size_t i;
    int space = 0;

    for (i = from; i < to; i++) {
        unsigned char c = (unsigned char)s[i];

        if (isspace(c)) {
            space = 1;
            continue;
        }
        if (space && out->len > 0 &&
            is_ident_char((unsigned char)out->data[out->len - 1]) &&
            is_ident_char(c) && buf_puts(out, " ") != 0) {
            return -1;
        }
        space = 0;
        if (buf_append(out, &s[i], 1) != 0) {
            return -1;
        }
    }
    return 0;
}

/* Template arguments "<...>": each one a type when it parses as one,
 * else its text (a constant). Appended canonically to out. */
static int parse_template_args(struct parser *p, struct buf *out)
{
    int first = 1;

    if (!expect(p, "<")) {
        return -1;
    }
    if (buf_puts(out, "<") != 0) {
        oom(p);
        return -1;
    }
    while (!is(p, ">")) {
        struct parser save = *p;
        struct ct_type *t;

        if (!first && !expect(p, ",")) {
            return -1;
        }
        if (!first && buf_puts(out, ", ") != 0) {
            oom(p);
            return -1;
        }
        first = 0;
        save = *p;
        t = parse_type(p);
        if (t != NULL && (is(p, ",") || is(p, ">"))) {
            if (ct_print(t, out) != 0) {
                oom(p);
                return -1;
            }
            continue;
        }
        /* Not a type: a constant expression up to ',' or '>' at depth 0. */
        *p = save;
        {
            size_t from = p->tok.start;
            int depth = 0;

            while (p->tok.kind != T_END &&
                   !(depth == 0 && (is(p, ",") || is(p, ">")))) {
                if (is(p, "(") || is(p, "<")) {
                    depth++;
                } else if (is(p, ")")) {
                    depth--;
                }
                advance(p);
            }
            if (p->tok.start == from) {
                expected(p, "a template argument");
                return -1;
            }
            if (append_squeezed(out, p->s, from, p->tok.start) != 0) {
                oom(p);
                return -1;
            }
        }
    }
    advance(p);
    if (buf_puts(out, ">") != 0) {
        oom(p);
        return -1;
    }
    return 0;
}

/* The standard templates' default arguments, as the demangler writes
 * them out and a header's users leave them out: "std::vector<int,
 * std::allocator<int>>" is "std::vector<int>", "std::basic_string_view<
 * char, std::char_traits<char>>" is "std::string_view". A trailing
 * argument is dropped when it is its template's default for the
 * arguments before it; out holds the template's name from name_off and
 * its canonical "<...>" from lt. Returns 0, or -1 when memory runs out. */
static int std_defaults(struct buf *out, size_t name_off, size_t lt)
{
    static const struct {
        const char *name;
        const char *defaults[4]; /* for arguments 2..: "%1" is the first
                                    argument, "%P" pair<%1 const, %2> */
    } tab[] = {
        {"std::vector", {"std::allocator<%1>"}},
        {"std::list", {"std::allocator<%1>"}},
        {"std::deque", {"std::allocator<%1>"}},
        {"std::set", {"std::less<%1>", "std::allocator<%1>"}},
        {"std::map", {NULL, "std::less<%1>", "std::allocator<%P>"}},
        {"std::unordered_map",
         {NULL, "std::hash<%1>", "std::equal_to<%1>", "std::allocator<%P>"}},
        {"std::unique_ptr", {"std::default_delete<%1>"}},
        {"std::basic_string_view", {"std::char_traits<%1>"}},
    };
    char *args[6], *copy;
    size_t n = 0, i, k, depth = 0;
    struct buf want = BUF_INIT;
    int rc = 0;

    for (k = 0; k < sizeof(tab) / sizeof(tab[0]); k++) {
        if (strlen(tab[k].name) == lt - name_off &&
            memcmp(out->data + name_off, tab[k].name, lt - name_off) == 0) {
            break;
        }
    }
    if (k == sizeof(tab) / sizeof(tab[0])) {
        return 0;
    }
    copy = malloc(out->len - lt);
    if (copy == NULL) {
        return -1;
    }
    memcpy(copy, out->data + lt + 1, out->len - lt - 2); /* inside <> */
    copy[out->len - lt - 2] = '\0';
    args[n++] = copy;
    for (i = 0; copy[i] != '\0' && n < 6; i++) {
        if (copy[i] == '<' || copy[i] == '(') {
            depth++;
        } else if (copy[i] == '>' || copy[i] == ')') {
            depth--;
        } else if (copy[i] == ',' && depth == 0 && copy[i + 1] == ' ') {
            copy[i] = '\0';
            args[n++] = &copy[i + 2];
        }
    }
    while (n >= 2 && n - 2 < 4 && tab[k].defaults[n - 2] != NULL) {
        const char *d = tab[k].defaults[n - 2];

        buf_clear(&want);
        for (; *d != '\0' && rc == 0; d++) {
            if (d[0] == '%' && d[1] == '1') {
                rc = buf_puts(&want, args[0]);
                d++;
            } else if (d[0] == '%' && d[1] == 'P') {
                rc = buf_printf(&want, "std::pair<%s const, %s>", args[0],
                                args[1]);
                d++;
            } else {
                rc = buf_append(&want, d, 1);
            }
        }
        if (rc != 0 || strcmp(want.data, args[n - 1]) != 0) {
            break;
        }
        n--;
    }
    if (rc == 0) {
        out->len = lt;
        if (k == sizeof(tab) / sizeof(tab[0]) - 1 && n == 1 &&
            strcmp(args[0], "char") == 0) {
            out->len = name_off;
            rc = buf_puts(out, "std::string_view");
        } else {
            rc = buf_puts(out, "<");
            for (i = 0; i < n && rc == 0; i++) {
                rc = buf_printf(out, "%s%s", i ? ", " : "", args[i]);
            }
            rc = rc == 0 ? buf_puts(out, ">") : rc;
        }
    }
    buf_free(&want);
    free(copy);
    return rc;
}

/* The decl-specifier-seq of a declaration or parameter. */
struct specs {
    struct ct_type *type;   /* NULL when no type was named */
    size_t type_col;        /* where the named type started */
    unsigned char is_static, is_virtual;
    char *last_name;        /* the named type's text, for constructors */
    size_t last_base;       /* its last component's offset */
};

static int parse_specs(struct parser *p, struct specs *sp, int stop_at_name);
static struct ct_type *parse_ptr_ops(struct parser *p, struct ct_type *t);

/* After "operator": the type of a conversion operator ("operator bool",
 * "operator const char*"), appended canonically: "operator bool",
 * "operator char const*". */
static int parse_conversion(struct parser *p, struct buf *out)
{
    struct specs sp;
    struct ct_type *t;

    if (parse_specs(p, &sp, 0) != 0) {
        return -1;
    }
    if (sp.type == NULL) {
        expected(p, "the type of a conversion operator");
        return -1;
    }
    t = parse_ptr_ops(p, sp.type);
    if (t == NULL) {
        return -1;
    }
    p->conv = t; /* the function's result when no other is written */
    if (buf_puts(out, " ") != 0 || ct_print(t, out) != 0) {
        oom(p);
        return -1;
    }
    return 0;
}

/* The punctuation of an operator name, read from the raw text:
 * "operator<<", "operator()", "operator[]", "operator new". */
static int parse_operator(struct parser *p, struct buf *out)
{
    const char *s = p->s;
    size_t i = p->tok.start + p->tok.len; /* after "operator" */
    size_t from;

    advance(p);
    if (buf_puts(out, "operator") != 0) {
        return -1;
    }
    if (p->tok.kind == T_IDENT &&
        (is(p, "new") || is(p, "delete"))) {
        if (buf_puts(out, " ") != 0 ||
            buf_append(out, s + p->tok.start, p->tok.len) != 0) {
            return -1;
        }
        advance(p);
        if (is(p, "[")) {
            advance(p);
            if (!expect(p, "]") || buf_puts(out, "[]") != 0) {
                return -1;
            }
        }
        return 0;
    }
    if (p->tok.kind == T_IDENT || is(p, "::")) {
        return parse_conversion(p, out);
    }
    while (isspace((unsigned char)s[i])) {
        i++;
    }
    from = i;
    if ((s[i] == '(' && s[i + 1] == ')') || (s[i] == '[' && s[i + 1] == ']')) {
        i += 2;
    } else {
        while (s[i] != '\0' && strchr("+-*/%^&|~!=<>,", s[i]) != NULL) {
            i++;
        }
    }
    if (i == from) {
        fail_at(p, from, "expected an operator symbol");
        return -1;
    }
    if (buf_append(out, s + from, i - from) != 0) {
        return -1;
    }
    p->pos = i;
    scan(p);
    return 0;
}

/* A qualified name: [::] part {:: part}, part = ident [<args>]
 * [[abi:tag]] | ~ident | operator.... The canonical text goes to out;
 * *base_off is set to where the last part starts in out. */
static int parse_qualified_name(struct parser *p, struct buf *out,
                                size_t *base_off)
{
    int first = 1;
    size_t start = out->len;

    accept(p, "::");
    for (;;) {
        if (!first && buf_puts(out, "::") != 0) {
            oom(p);
            return -1;
        }
        if (base_off != NULL) {
            *base_off = out->len;
        }
        first = 0;
        if (is(p, "operator")) {
            if (parse_operator(p, out) != 0) {
                if (!p->failed) {
                    oom(p);
                }
                return -1;
            }
            return 0; /* an operator ends the name */
        }
        if (accept(p, "~")) {
            if (buf_puts(out, "~") != 0) {
                oom(p);
                return -1;
            }
        }
        if (p->tok.kind != T_IDENT || (is_keyword(p) && !is(p, "operator"))) {
            expected(p, "a name");
            return -1;
        }
        if (buf_append(out, p->s + p->tok.start, p->tok.len) != 0) {
            oom(p);
            return -1;
        }
        advance(p);
        if (is(p, "<")) {
            size_t lt = out->len;

            if (parse_template_args(p, out) != 0) {
                return -1;
            }
            if (std_defaults(out, start, lt) != 0) {
                oom(p);
                return -1;
            }
        }
        /* An ABI tag ("greet[abi:cxx11]") is not part of the name; the
         * last component's tags are kept aside for the mangler. */
        p->tags_from = p->tags_to = p->tok.start;
        while (is(p, "[") && strncmp(p->s + p->tok.start, "[abi:", 5) == 0) {
            const char *end = strchr(p->s + p->tok.start, ']');

            if (end == NULL) {
                expected(p, "']' closing the ABI tag");
                return -1;
            }
            p->pos = (size_t)(end - p->s) + 1;
            p->tags_to = p->pos;
            scan(p);
        }
        if (!is(p, "::")) {
            return 0;
        }
        advance(p);
    }
}


static int parse_specs(struct parser *p, struct specs *sp, int stop_at_name)
{
    int is_const = 0, is_volatile = 0, nlong = 0, nshort = 0;
    int nsigned = 0, nunsigned = 0, have_builtin = 0;
    enum ct_kind builtin = CT_INT;
    struct ct_type *named = NULL;
    size_t start = p->tok.start;

    memset(sp, 0, sizeof(*sp));
    for (;;) {
        enum ct_kind k = CT_VOID;
        enum word w = word_of(p, &k);

        switch (w) {
        case W_CONST:
            is_const = 1;
            advance(p);
            continue;
        case W_VOLATILE:
            is_volatile = 1;
            advance(p);
            continue;
        case W_STATIC:
            sp->is_static = 1;
            advance(p);
            continue;
        case W_VIRTUAL:
            sp->is_virtual = 1;
            advance(p);
            continue;
        case W_IGNORED:
        case W_TAG:
            advance(p);
            if (is(p, "\"C\"") || is(p, "\"C++\"")) {
                advance(p); /* extern "C" */
            }
            continue;
        case W_SIGNED:
        case W_UNSIGNED:
        case W_SHORT:
        case W_LONG:
        case W_BUILTIN:
            if (named != NULL) {
                expected(p, "a name");
                return -1;
            }
            if (w == W_SIGNED) {
                nsigned++;
            } else if (w == W_UNSIGNED) {
                nunsigned++;
            } else if (w == W_SHORT) {
                nshort++;
            } else if (w == W_LONG) {
                nlong++;
            } else {
                if (have_builtin) {
                    expected(p, "a name");
                return -1;
                }
                have_builtin = 1;
                builtin = k;
            }
            advance(p);
            continue;
        case W_NONE:
            break;
        }
        if (is(p, "decltype") && named == NULL && !have_builtin) {
            advance(p);
            if (!expect(p, "(")) {
                return -1;
            }
            if (!is(p, "nullptr")) {
                expected(p, "nullptr");
                return -1;
            }
            advance(p);
            if (!expect(p, ")")) {
                return -1;
            }
            named = new_type(p, CT_NULLPTR, NULL);
            if (named == NULL) {
                return -1;
            }
            continue;
        }
        if ((p->tok.kind == T_IDENT || is(p, "::")) && !is(p, "operator") &&
            !is(p, "noexcept") && named == NULL && !have_builtin &&
            nlong + nshort + nsigned + nunsigned == 0) {
            struct buf name = BUF_INIT;
            size_t base = 0;
            int kind;

            (void)stop_at_name;
            sp->type_col = p->tok.start;
            if (parse_qualified_name(p, &name, &base) != 0) {
                buf_free(&name);
                return -1;
            }
            if (strcmp(name.data, "FILE") == 0) {
                buf_clear(&name);
                if (buf_puts(&name, "_IO_FILE") != 0) {
                    buf_free(&name);
                    oom(p);
                    return -1;
                }
            }
            kind = ct_typedef_kind(name.data);
            named = new_type(p, kind >= 0 ? (enum ct_kind)kind : CT_NAMED,
                             NULL);
            sp->last_name = ct_strndup(p->a, name.data, name.len);
            sp->last_base = base;
            buf_free(&name);
            if (named == NULL || sp->last_name == NULL) {
                oom(p);
                return -1;
            }
            if (kind < 0) {
                named->name = sp->last_name;
            }
            continue;
        }
        break;
    }
    if (named != NULL) {
        sp->type = named;
    } else if (have_builtin || nlong + nshort + nsigned + nunsigned > 0) {
        enum ct_kind k = builtin;

        if (nsigned && nunsigned) {
            fail_at(p, start, "both signed and unsigned");
            return -1;
        }
        if (builtin == CT_CHAR) {
            k = nsigned ? CT_SCHAR : nunsigned ? CT_UCHAR : CT_CHAR;
        } else if (builtin == CT_DOUBLE && nlong == 1) {
            k = CT_LDOUBLE;
        } else if (builtin == CT_INT128) {
            k = nunsigned ? CT_UINT128 : CT_INT128;
        } else if (builtin == CT_INT) {
            if (nshort) {
                k = nunsigned ? CT_USHORT : CT_SHORT;
            } else if (nlong == 1) {
                k = nunsigned ? CT_ULONG : CT_LONG;
            } else if (nlong >= 2) {
                k = nunsigned ? CT_ULLONG : CT_LLONG;
            } else {
                k = nunsigned ? CT_UINT : CT_INT;
            }
        } else if (nlong + nshort + nsigned + nunsigned > 0) {
            fail_at(p, start, "'%s' cannot be signed, unsigned, short or "
                    "long", ct_scalar_name(builtin));
            return -1;
        }
        sp->type = new_type(p, k, NULL);
        if (sp->type == NULL) {
            return -1;
        }
    }
    if (sp->type != NULL) {
        sp->type->is_const = (unsigned char)is_const;
        sp->type->is_volatile = (unsigned char)is_volatile;
    }
    return 0;
}

/* One pointer operator: '*' [cv], '&', '&&'. Returns the wrapped type,
 * the unchanged t when there is none, NULL on failure. */
static struct ct_type *parse_ptr_ops(struct parser *p, struct ct_type *t)
{
    for (;;) {
        enum ct_kind kind;
        enum ct_kind dummy;

        if (is(p, "*")) {
            kind = CT_PTR;
        } else if (is(p, "&")) {
            kind = CT_REF;
        } else if (is(p, "&&")) {
            kind = CT_RREF;
        } else {
            return t;
        }
        advance(p);
        t = new_type(p, kind, t);
        if (t == NULL) {
            return NULL;
        }
        for (;;) {
            enum word w = word_of(p, &dummy);

            if (w == W_CONST) {
                t->is_const = 1;
            } else if (w == W_VOLATILE) {
                t->is_volatile = 1;
            } else if (w != W_IGNORED) {
                break;
            }
            advance(p);
        }
    }
}

/* Array and function suffixes after a declarator's name: "[4]", "[]",
 * "(int, char)". Applied right to left, as C reads them. */
static struct ct_type *parse_suffixes(struct parser *p, struct ct_type *t)
{
    if (is(p, "[")) {
        size_t count = 0;
        struct ct_type *inner, *arr;

        advance(p);
        if (p->tok.kind == T_NUM) {
            char *end;

            count = strtoul(p->s + p->tok.start, &end, 0);
            advance(p);
        }
        if (!expect(p, "]")) {
            return NULL;
        }
        inner = parse_suffixes(p, t);
        if (inner == NULL) {
            return NULL;
        }
        arr = new_type(p, CT_ARRAY, inner);
        if (arr != NULL) {
            arr->count = count;
        }
        return arr;
    }
    if (is(p, "(")) {
        struct ct_type *f;
        struct ct_param *params;
        size_t n, i;

        advance(p);
        f = new_type(p, CT_FUNC, t);
        if (f == NULL || parse_params(p, &params, &n, &f->variadic) != 0) {
            return NULL;
        }
        f->params = ct_alloc(p->a, (n ? n : 1) * sizeof(*f->params));
        if (f->params == NULL) {
            return oom(p);
        }
        for (i = 0; i < n; i++) {
            f->params[i] = params[i].type;
        }
        f->nparams = n;
        while (is(p, "noexcept") || is(p, "const")) {
            advance(p);
        }
        return f;
    }
    return t;
}

/* A declarator that may be abstract: ptr-ops, then a name (when name is
 * not NULL and one is there) or "(" ptr-ops [name] ")", then suffixes. */
static struct ct_type *parse_declarator(struct parser *p, struct ct_type *t,
                                        const char **name)
{
    t = parse_ptr_ops(p, t);
    if (t == NULL) {
        return NULL;
    }
    if (is(p, "(")) {
        struct parser save = *p;

        advance(p);
        if (is(p, "*") || is(p, "&") || is(p, "&&")) {
            /* Nested: "int (*cb)(int)". Parse the inner operators onto a
             * placeholder, the suffixes onto t, then splice. */
            struct ct_type hole = {0};
            struct ct_type *inner, *outer, *q;

            inner = parse_ptr_ops(p, &hole);
            if (inner == NULL) {
                return NULL;
            }
            if (p->tok.kind == T_IDENT && !is_keyword(p)) {
                if (name != NULL) {
                    *name = ct_strndup(p->a, p->s + p->tok.start, p->tok.len);
                }
                advance(p);
            }
            if (!expect(p, ")")) {
                return NULL;
            }
            outer = parse_suffixes(p, t);
            if (outer == NULL) {
                return NULL;
            }
            if (inner == &hole) {
                return outer;
            }
            for (q = inner; q->sub != &hole; q = q->sub) {
            }
            q->sub = outer;
            return inner;
        }
        *p = save;
    }
    if (name != NULL && p->tok.kind == T_IDENT && !is_keyword(p)) {
        *name = ct_strndup(p->a, p->s + p->tok.start, p->tok.len);
        advance(p);
    }
    return parse_suffixes(p, t);
}

static struct ct_type *parse_type(struct parser *p)
{
    struct specs sp;

    if (parse_specs(p, &sp, 0) != 0) {
        return NULL;
    }
    if (sp.type == NULL) {
        return expected(p, "a type");
    }
    return parse_declarator(p, sp.type, NULL);
}

/* A default argument: its tokens up to ',' or ')' at depth 0. */
static const char *parse_default(struct parser *p)
{
    size_t from = p->tok.start;
    int depth = 0;
    struct buf text = BUF_INIT;
    const char *r;

    while (p->tok.kind != T_END &&
           !(depth == 0 && (is(p, ",") || is(p, ")")))) {
        if (is(p, "(")) {
            depth++;
        } else if (is(p, ")")) {
            depth--;
        }
        advance(p);
    }
    if (p->tok.start == from) {
        return expected(p, "a default value");
    }
    if (append_squeezed(&text, p->s, from, p->tok.start) != 0) {
        buf_free(&text);
        return oom(p);
    }
    r = ct_strndup(p->a, text.data, text.len);
    buf_free(&text);
    return r != NULL ? r : oom(p);
}

/* After "(": parameters up to and including ")". "(void)" is empty. */
static int parse_params(struct parser *p, struct ct_param **out, size_t *n,
                        unsigned char *variadic)
{
    struct ct_param *v = NULL;
    size_t cap = 0;

    *n = 0;
    *variadic = 0;
    *out = NULL;
    if (is(p, "void")) {
        struct parser save = *p;

        advance(p);
        if (accept(p, ")")) {
            return 0;
        }
        *p = save;
    }
    if (accept(p, ")")) {
        return 0;
    }
    for (;;) {
        struct specs sp;
        struct ct_type *t;
        const char *name = NULL;

        if (accept(p, "...")) {
            *variadic = 1;
            if (!expect(p, ")")) {
                return -1;
            }
            break;
        }
        if (parse_specs(p, &sp, 0) != 0) {
            return -1;
        }
        if (sp.type == NULL) {
            expected(p, *n == 0 ? "a parameter type or ')'"
                                : "a parameter type");
            return -1;
        }
        t = parse_declarator(p, sp.type, &name);
        if (t == NULL) {
            return -1;
        }
        if (*n == cap) {
            struct ct_param *nv;

            cap = cap ? cap * 2 : 8;
            nv = ct_alloc(p->a, cap * sizeof(*nv));
            if (nv == NULL) {
                oom(p);
                return -1;
            }
            if (*n > 0) {
                memcpy(nv, v, *n * sizeof(*nv));
            }
            v = nv;
        }
        v[*n].type = t;
        v[*n].name = name;
        v[*n].defval = NULL;
        if (accept(p, "=")) {
            v[*n].defval = parse_default(p);
            if (v[*n].defval == NULL) {
                return -1;
            }
        }
        (*n)++;
        if (accept(p, ")")) {
            break;
        }
        if (!is(p, ",")) {
            expected(p, "',' or ')'");
            return -1;
        }
        advance(p);
    }
    *out = v;
    return 0;
}

/* After the parameter list: cv and ref qualifiers, noexcept, override,
 * final, "= 0", "= default", ";". */
static int parse_trailer(struct parser *p, struct ct_decl *d)
{
    for (;;) {
        if (accept(p, "const")) {
            d->is_const = 1;
        } else if (accept(p, "&")) {
            d->ref_qual = 1;
        } else if (accept(p, "&&")) {
            d->ref_qual = 2;
        } else if (accept(p, "volatile")) {
            d->is_volatile = 1;
        } else if (accept(p, "override") ||
                   accept(p, "final")) {
        } else if (accept(p, "noexcept") || accept(p, "throw")) {
            if (accept(p, "(")) {
                int depth = 1;

                while (p->tok.kind != T_END && depth > 0) {
                    depth += is(p, "(") ? 1 : is(p, ")") ? -1 : 0;
                    advance(p);
                }
            }
        } else if (accept(p, "=")) {
            if (!accept(p, "0") && !accept(p, "default") &&
                !accept(p, "delete")) {
                expected(p, "0, default or delete");
                return -1;
            }
        } else {
            break;
        }
    }
    accept(p, ";");
    if (p->tok.kind != T_END) {
        expected(p, "the end of the declaration");
        return -1;
    }
    return 0;
}

static int set_name(struct parser *p, struct ct_decl *d, const char *name,
                    size_t len, size_t base)
{
    d->name = ct_strndup(p->a, name, len);
    if (d->name == NULL) {
        oom(p);
        return -1;
    }
    d->base = d->name + base;
    d->is_dtor = d->base[0] == '~';
    return 0;
}

/* Keep the ABI tags that followed the function's name, if any. */
static int set_tags(struct parser *p, struct ct_decl *d)
{
    if (p->tags_to > p->tags_from) {
        d->abi_tags = ct_strndup(p->a, p->s + p->tags_from,
                                 p->tags_to - p->tags_from);
        if (d->abi_tags == NULL) {
            oom(p);
            return -1;
        }
    }
    return 0;
}

static int parse_decl(struct parser *p, struct ct_decl *d, unsigned flags)
{
    struct specs sp;
    struct buf name = BUF_INIT;
    size_t base = 0;
    unsigned char variadic = 0;
    int rc = -1;

    if (parse_specs(p, &sp, 1) != 0) {
        goto out;
    }
    d->is_static = sp.is_static;
    d->is_virtual = sp.is_virtual;
    /* "Foo::Foo(int)", "calc::add(int, int)": what looked like the type
     * was the name, and there is no return type. */
    if (sp.type != NULL && sp.last_name != NULL && is(p, "(") &&
        (flags & DECL_NO_RETURN)) {
        struct parser save = *p;

        advance(p);
        if (!is(p, "*") && !is(p, "&") && !is(p, "&&")) {
            *p = save;
            if (set_name(p, d, sp.last_name, strlen(sp.last_name),
                         sp.last_base) != 0 || set_tags(p, d) != 0) {
                goto out;
            }
            sp.type = NULL;
            d->conv = p->conv; /* "X::operator bool()" */
            goto params;
        }
        *p = save;
    }
    if (sp.type == NULL) {
        if (!(flags & DECL_NO_RETURN) && !is(p, "~")) {
            expected(p, "a return type");
            goto out;
        }
        if (!is(p, "~") && !is(p, "operator") && !is(p, "::")) {
            expected(p, "a type or a name");
            goto out;
        }
    } else {
        d->ret = parse_ptr_ops(p, sp.type);
        if (d->ret == NULL) {
            goto out;
        }
        if (is(p, "(") && (flags & DECL_NO_NAME)) {
            if (set_name(p, d, "", 0, 0) != 0) {
                goto out;
            }
            goto params;
        }
    }
    if (parse_qualified_name(p, &name, &base) != 0) {
        goto out;
    }
    if (set_name(p, d, name.data, name.len, base) != 0) {
        goto out;
    }
    d->conv = p->conv; /* "operator bool()" */
    if (set_tags(p, d) != 0) {
        goto out;
    }
params:
    if (!expect(p, "(")) {
        goto out;
    }
    if (parse_params(p, &d->params, &d->nparams, &variadic) != 0) {
        goto out;
    }
    d->variadic = variadic;
    if (parse_trailer(p, d) != 0) {
        goto out;
    }
    rc = 0;
out:
    buf_free(&name);
    return rc;
}

struct ct_decl *decl_parse(const char *text, unsigned flags,
                           struct decl_error *err)
{
    struct ct_decl *d = calloc(1, sizeof(*d));
    struct parser p;

    memset(err, 0, sizeof(*err));
    if (d == NULL) {
        snprintf(err->msg, sizeof(err->msg), "out of memory");
        return NULL;
    }
    memset(&p, 0, sizeof(p));
    p.s = text;
    p.a = &d->arena;
    p.err = err;
    scan(&p);
    if (p.tok.kind == T_END) {
        fail_at(&p, 0, "empty declaration");
    } else if (parse_decl(&p, d, flags) != 0 || p.failed || nomem(&p)) {
        if (!p.failed) {
            oom(&p);
        }
    } else {
        return d;
    }
    decl_free(d);
    return NULL;
}

struct ct_type *decl_parse_type(const char *text, struct ct_arena *a,
                                struct decl_error *err)
{
    struct parser p;
    struct ct_type *t;

    memset(err, 0, sizeof(*err));
    memset(&p, 0, sizeof(p));
    p.s = text;
    p.a = a;
    p.err = err;
    scan(&p);
    t = parse_type(&p);
    if (t != NULL && p.tok.kind != T_END) {
        expected(&p, "the end of the type");
        return NULL;
    }
    return p.failed || nomem(&p) ? NULL : t;
}

void decl_free(struct ct_decl *d)
{
    if (d != NULL) {
        ct_arena_free(&d->arena);
        free(d);
    }
}

/* The type as it identifies a parameter: top-level cv dropped, arrays
 * and functions decayed to pointers. Prints into out. */
static int print_param(const struct ct_type *t, struct buf *out)
{
    struct ct_type copy = *t;
    struct ct_type ptr = {0};

    copy.is_const = 0;
    copy.is_volatile = 0;
    if (t->kind == CT_ARRAY || t->kind == CT_FUNC) {
        ptr.kind = CT_PTR;
        ptr.sub = t->kind == CT_ARRAY ? t->sub : &copy;
        if (t->kind == CT_FUNC) {
            copy = *t;
        }
        return ct_print(&ptr, out);
    }
    return ct_print(&copy, out);
}

int decl_key(const struct ct_decl *d, struct buf *out)
{
    size_t i;

    if (buf_puts(out, d->name) != 0 || buf_puts(out, "(") != 0) {
        return -1;
    }
    for (i = 0; i < d->nparams; i++) {
        if ((i > 0 && buf_puts(out, ", ") != 0) ||
            print_param(d->params[i].type, out) != 0) {
            return -1;
        }
    }
    if (d->variadic && buf_puts(out, d->nparams ? ", ..." : "...") != 0) {
        return -1;
    }
    if (buf_puts(out, ")") != 0 ||
        (d->is_const && buf_puts(out, " const") != 0)) {
        return -1;
    }
    return 0;
}

int decl_print(const struct ct_decl *d, struct buf *out)
{
    if (d->is_static && buf_puts(out, "static ") != 0) {
        return -1;
    }
    if (d->ret != NULL &&
        (ct_print(d->ret, out) != 0 || buf_puts(out, " ") != 0)) {
        return -1;
    }
    return decl_key(d, out);
}
