/* fuzz_decl: libFuzzer target for the declaration parser (runner/cxx/
 * decl.c). Any bytes are parsed as a declaration under every flag and as
 * a type; whatever parses is printed back. Beyond the sanitizers' checks
 * it asserts the parser's promise to Python: for input that is valid
 * UTF-8, an error message is valid UTF-8 too (never half a character). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "cxx/decl.h"
#include "cxx/types.h"

/* Is s[0..n) valid UTF-8 (shortest forms, no surrogates)? */
static int valid_utf8(const unsigned char *s, size_t n)
{
    size_t i = 0;

    while (i < n) {
        unsigned c = s[i], len, cp;

        if (c < 0x80) {
            i++;
            continue;
        }
        len = c >= 0xF0 && c < 0xF5 ? 4 : c >= 0xE0 && c < 0xF0 ? 3
            : c >= 0xC2 && c < 0xE0 ? 2 : 0;
        if (len == 0 || i + len > n) {
            return 0;
        }
        cp = c & (0xFF >> (len + 1));
        for (unsigned k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80) {
                return 0;
            }
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp < 0xE000))) ||
            (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))) {
            return 0;
        }
        i += len;
    }
    return 1;
}

static void check_message(const char *text, const struct decl_error *err)
{
    if (memchr(err->msg, '\0', sizeof err->msg) == NULL) {
        abort();    /* not terminated */
    }
    if (valid_utf8((const unsigned char *)text, strlen(text)) &&
        !valid_utf8((const unsigned char *)err->msg, strlen(err->msg))) {
        abort();    /* a message that Python cannot decode */
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    struct decl_error err;
    struct ct_arena arena;
    struct buf out = BUF_INIT;

    if (text == NULL) {
        return 0;
    }
    memcpy(text, data, size);
    text[size] = '\0';
    for (unsigned flags = 0; flags < 4; flags++) {
        struct ct_decl *d = decl_parse(text, flags, &err);

        if (d == NULL) {
            check_message(text, &err);
            continue;
        }
        (void)decl_key(d, &out);
        (void)decl_print(d, &out);
        buf_clear(&out);
        decl_free(d);
    }
    memset(&arena, 0, sizeof arena);
    if (decl_parse_type(text, &arena, &err) == NULL) {
        check_message(text, &err);
    }
    ct_arena_free(&arena);
    buf_free(&out);
    free(text);
    return 0;
}
