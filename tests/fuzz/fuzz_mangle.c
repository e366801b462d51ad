/* fuzz_mangle: libFuzzer target for the Itanium mangler (runner/cxx/
 * mangle.c). The input is a declaration; when the parser accepts it, every
 * variant of it is mangled. Beyond the sanitizers' checks it asserts what
 * the mangler promises: a name it gives starts with "_Z", and where
 * __cxa_demangle (libstdc++) takes the name at all, it demangles it
 * without failing. No round trip is checked: the exceptions listed in
 * tests/cxx/test_mangle_roundtrip.c (template parameters, class tags)
 * would make false alarms. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "cxx/decl.h"
#include "cxx/mangle.h"

/* The C++ runtime's demangler (Itanium C++ ABI, section 3.4 "Demangler
 * API"): status 0 success, -1 out of memory, -2 not a valid mangled name,
 * -3 a bad argument. */
extern char *__cxa_demangle(const char *mangled, char *buf, size_t *len,
                            int *status);

/* The properties of one mangled name m. */
static void check_name(const struct ct_decl *d, const char *m)
{
    int status = 0;
    char *text;

    if (strncmp(m, "_Z", 2) != 0) {
        abort();    /* not an Itanium mangled name */
    }
    if (mangle_c_name(d) && strchr(d->name, ':') != NULL) {
        abort();    /* a scoped name cannot be a C name */
    }
    text = __cxa_demangle(m, NULL, NULL, &status);
    if (status == -1 || status == -3) {
        abort();    /* neither valid nor invalid: the demangler failed */
    }
    if ((status == 0) != (text != NULL)) {
        abort();
    }
    free(text);
}

/* Mangle d in every variant, with and without its template positions. */
static void mangle_all(const struct ct_decl *d)
{
    static const enum mangle_variant vs[] = {MANGLE_COMPLETE, MANGLE_BASE,
                                             MANGLE_DELETING};
    unsigned pos = mangle_template_positions(d);
    struct buf out = BUF_INIT;

    for (size_t i = 0; i < 3; i++) {
        unsigned masks[2] = {0, pos};

        for (size_t k = 0; k < (pos ? 2u : 1u); k++) {
            int r;

            buf_clear(&out);
            r = mangle_decl_as(d, vs[i], masks[k], &out);
            if (r < 0 || r > 1) {
                abort();    /* out of memory cannot happen here */
            }
            if (r == 0) {
                check_name(d, out.data);
            }
        }
        if (!mangle_is_structor(d)) {
            break;  /* the variants are the same name */
        }
    }
    buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    struct decl_error err;

    if (text == NULL) {
        return 0;
    }
    memcpy(text, data, size);
    text[size] = '\0';
    for (unsigned flags = 0; flags < 2; flags++) {
        struct ct_decl *d = decl_parse(text, flags, &err);

        if (d != NULL) {
            mangle_all(d);
            decl_free(d);
        }
    }
    free(text);
    return 0;
}
