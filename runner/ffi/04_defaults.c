/* 04_defaults: a default argument as the header writes it ("0", '/',
 * "text", true, nullptr, ns::Mode::Fast, 0x1fu, -1.5f) made into the
 * Python value passed when the call omits it. Anything else is refused
 * when the function is declared, never guessed at the call. */
#include "ffi/04_defaults.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ffi/01_errors.h"

/* One escape sequence at s (after the backslash): its byte in *out, the
 * characters it used. 0 when it is not one crossrun reads. */
static size_t unescape(const char *s, unsigned char *out)
{
    static const char from[] = "ntrabfv\\'\"?";
    static const char to[] = "\n\t\r\a\b\f\v\\'\"?";
    const char *hit = s[0] != '\0' ? strchr(from, s[0]) : NULL;
    size_t n = 0;
    unsigned v = 0;

    if (hit != NULL) {
        *out = (unsigned char)to[hit - from];
        return 1;
    }
    if (s[0] == 'x') {
        for (n = 1; n < 3 && strchr("0123456789abcdefABCDEF", s[n]) != NULL &&
                    s[n] != '\0'; n++) {
            v = v * 16 + (unsigned)(s[n] <= '9' ? s[n] - '0'
                                    : (s[n] | 0x20) - 'a' + 10);
        }
        *out = (unsigned char)v;
        return n > 1 ? n : 0;
    }
    for (n = 0; n < 3 && s[n] >= '0' && s[n] <= '7'; n++) {
        v = v * 8 + (unsigned)(s[n] - '0');
    }
    *out = (unsigned char)v;
    return n;
}

/* The bytes of a quoted literal text (quote q at both ends), escapes
 * read; NULL (no exception) when it is not one. */
static PyObject *quoted(const char *text, char q)
{
    size_t n = strlen(text), i, k = 0;
    char *buf;
    PyObject *r;

    if (n < 2 || text[0] != q || text[n - 1] != q) {
        return NULL;
    }
    buf = PyMem_Malloc(n);
    if (buf == NULL) {
        return PyErr_NoMemory();
    }
    for (i = 1; i + 1 < n; i++) {
        unsigned char c = (unsigned char)text[i];

        if (c == '\\') {
            size_t used = unescape(text + i + 1, &c);

            if (used == 0 || i + used + 1 >= n) {
                PyMem_Free(buf);
                return NULL;
            }
            i += used;
        } else if (c == (unsigned char)q) {
            PyMem_Free(buf);
            return NULL;
        }
        buf[k++] = (char)c;
    }
    r = PyBytes_FromStringAndSize(buf, (Py_ssize_t)k);
    PyMem_Free(buf);
    return r;
}

/* An integer literal with C's prefixes (0x, 0b, 0), digit separators and
 * suffixes (u, l, ll); NULL (no exception) when it is not one. */
static PyObject *integer(const char *text)
{
    char digits[80];
    size_t k = 0;
    int neg = text[0] == '-', base = 10;
    const char *s = text + (neg || text[0] == '+');
    char *end;
    unsigned long long v;
    PyObject *p, *r;

    if (s[0] == '0' && (s[1] == 'b' || s[1] == 'B')) {
        base = 2;
        s += 2;
    }
    for (; *s != '\0' && k + 1 < sizeof(digits); s++) {
        if (*s != '\'') {
            digits[k++] = *s;
        }
    }
    digits[k] = '\0';
    if (k == 0 || *s != '\0' || digits[0] == '-' || digits[0] == '+') {
        return NULL;
    }
    errno = 0;
    v = strtoull(digits, &end, base == 2 ? 2 : 0);
    if (end == digits || errno != 0) {
        return NULL;
    }
    while (*end != '\0' && strchr("uUlL", *end) != NULL) {
        end++;
    }
    if (*end != '\0') {
        return NULL;
    }
    p = PyLong_FromUnsignedLongLong(v);
    if (p == NULL || !neg) {
        return p;
    }
    r = PyNumber_Negative(p);
    Py_DECREF(p);
    return r;
}

/* A floating literal ("-1.5", "2e3", ".5f"); NULL (no exception) when it
 * is not one. */
static PyObject *floating(const char *text)
{
    char *end;
    double d;

    errno = 0;
    d = strtod(text, &end);
    if (end == text || errno != 0 ||
        (*end != '\0' && strcmp(end, "f") != 0 && strcmp(end, "F") != 0 &&
         strcmp(end, "l") != 0 && strcmp(end, "L") != 0)) {
        return NULL;
    }
    return PyFloat_FromDouble(d);
}

/* ns::Mode::Fast or ns::Fast for a parameter of a declared enum: that
 * enum's member of the last name. NULL (no exception) when none. */
static PyObject *enum_constant(const struct conv *c, const char *text)
{
    const char *last = strrchr(text, ':');
    PyObject *m;

    if (c->kind != CV_ENUM || c->type == NULL) {
        return NULL;
    }
    m = PyObject_GetAttrString(c->type, last != NULL ? last + 1 : text);
    if (m == NULL) {
        PyErr_Clear();
    }
    return m;
}

static int is_pointer(const struct conv *c)
{
    return c->kind == CV_PTR || c->kind == CV_FUNCPTR ||
           c->kind == CV_STRPTR;
}

PyObject *ffi_default_value(const struct conv *c, const char *text,
                            const char *decl)
{
    PyObject *r = NULL;

    if (strcmp(text, "nullptr") == 0 || strcmp(text, "NULL") == 0 ||
        (is_pointer(c) && (strcmp(text, "0") == 0 ||
                           strcmp(text, "0L") == 0))) {
        if (is_pointer(c)) {
            Py_RETURN_NONE;
        }
    } else if (strcmp(text, "true") == 0 || strcmp(text, "false") == 0) {
        return PyBool_FromLong(text[0] == 't');
    } else if (text[0] == '"') {
        r = quoted(text, '"');
    } else if (text[0] == '\'') {
        PyObject *b = quoted(text, '\'');

        if (b != NULL && PyBytes_GET_SIZE(b) == 1) {
            r = c->kind == CV_INT && !c->is_char
                ? PyLong_FromLong((unsigned char)PyBytes_AS_STRING(b)[0])
                : Py_NewRef(b);
        }
        Py_XDECREF(b);
    } else if (strcmp(text, "std::string()") == 0 ||
               strcmp(text, "{}") == 0) {
        if (c->kind == CV_STRING || c->kind == CV_STRPTR) {
            return PyBytes_FromStringAndSize("", 0);
        }
    } else if (c->kind == CV_FLOAT || c->kind == CV_DOUBLE ||
               c->kind == CV_LDOUBLE) {
        r = floating(text);
    } else {
        r = integer(text);
        if (r == NULL && !PyErr_Occurred()) {
            r = enum_constant(c, text);
        }
    }
    if (r != NULL || PyErr_Occurred()) {
        return r;
    }
    return ffi_raise_decl_msg(decl, "default value '%s' is not a literal "
                              "crossrun understands for this parameter: "
                              "numbers (12, -3, 0x1fu, 1.5f), characters "
                              "('/', '\\n'), strings (\"text\"), true, false, "
                              "nullptr (NULL, 0 for pointers) and members of "
                              "the parameter's enum declared with lib.enum "
                              "(ns::Mode::Fast)", text);
}
