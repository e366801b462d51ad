/* test_xmlsan: the XML sanitiser, byte for byte on hostile input. */
#include <stdlib.h>

#include "core/buf.h"
#include "kit/unit.h"
#include "xmlsan.h"

#define R "\xEF\xBF\xBD" /* U+FFFD */

/* Sanitise len bytes of s; the result as a C string (freed by caller). */
static char *san(const char *s, size_t len)
{
    struct buf b = BUF_INIT;

    if (xmlsan_text(s, len, &b) != 0) {
        buf_free(&b);
        return NULL;
    }
    return buf_steal(&b);
}

#define SAN(lit, expected)                                              \
    do {                                                                \
        char *got_ = san(lit, sizeof lit - 1);                          \
        CHECK_STR(got_, expected);                                      \
        free(got_);                                                     \
    } while (0)

static void test_passes_valid_utf8(void)
{
    SAN("", "");
    SAN("plain ascii <&>\"' ]]>", "plain ascii <&>\"' ]]>");
    SAN("tab\there\nnl\r\ncr", "tab\there\nnl\r\ncr");
    SAN("\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80",
        "\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");
    SAN("\x7F \xC2\x85", "\x7F \xC2\x85");          /* DEL, NEL: allowed */
    SAN(R, R);                                      /* U+FFFD itself */
    SAN("\xEF\xBF\xBC", "\xEF\xBF\xBC");            /* U+FFFC */
    SAN("\xF4\x8F\xBF\xBF", "\xF4\x8F\xBF\xBF");    /* U+10FFFF */
    SAN("\xEE\x80\x80", "\xEE\x80\x80");            /* U+E000 */
    SAN("\xED\x9F\xBF", "\xED\x9F\xBF");            /* U+D7FF */
}

static void test_escapes_forbidden_characters(void)
{
    SAN("\x1b[31mred\x1b[0m", "\\x1b[31mred\\x1b[0m");
    SAN("a\0b", "a\\x00b");
    SAN("\x01\x08\x0b\x0c\x1f", "\\x01\\x08\\x0b\\x0c\\x1f");
    SAN("\xEF\xBF\xBE|\xEF\xBF\xBF", "\\ufffe|\\uffff");
}

static void test_replaces_invalid_utf8(void)
{
    SAN("\xff\xfe", R R);
    SAN("x\x80y", "x" R "y");                       /* stray continuation */
    SAN("\x80\xbf", R R);
    SAN("\xc0\xaf", R R);                           /* overlong '/' */
    SAN("\xc1\xbf", R R);
    SAN("\xe0\x80\xaf", R R R);                     /* overlong, 3 bytes */
    SAN("\xf0\x80\x80\xaf", R R R R);               /* overlong, 4 bytes */
    SAN("\xe2\x82", R);                             /* cut short at end */
    SAN("\xe2\x82x", R "x");                        /* cut short */
    SAN("\xf0\x9f\x98", R);
    SAN("\xf1\x80\x80\xc3\xa9", R "\xc3\xa9");
    SAN("\xed\xa0\x80", R R R);                     /* surrogate D800 */
    SAN("\xed\xbf\xbf", R R R);                     /* surrogate DFFF */
    SAN("\xf4\x90\x80\x80", R R R R);               /* U+110000 */
    SAN("\xf8\x88\x80\x80\x80", R R R R R);         /* 5-byte form */
    SAN("\xfe\xff", R R);
    SAN("ok\xc3", "ok" R);                          /* lead byte at end */
}

static void test_decoder(void)
{
    const unsigned char euro[] = "\xE2\x82\xAC";
    const unsigned char cut[] = "\xF0\x9F\x98";
    uint32_t cp = 0;

    CHECK(xmlsan_utf8_next(euro, 3, &cp) == 3 && cp == 0x20AC);
    CHECK(xmlsan_utf8_next(euro, 2, &cp) == 2 && cp == XMLSAN_INVALID);
    CHECK(xmlsan_utf8_next(cut, 3, &cp) == 3 && cp == XMLSAN_INVALID);
    CHECK(xmlsan_utf8_next(euro, 0, &cp) == 0);
}

static void test_large_input(void)
{
    size_t n = 1 << 20;
    char *s = malloc(n);
    struct buf b = BUF_INIT;
    size_t esc = 0, bad = 0;

    if (!CHECK(s != NULL)) {
        return;
    }
    for (size_t i = 0; i < n; i++) {
        s[i] = (char)(i % 251);   /* every byte value, in odd patterns */
    }
    CHECK(xmlsan_text(s, n, &b) == 0);
    /* The result must be valid UTF-8 without forbidden characters. */
    for (size_t i = 0; i < b.len;) {
        uint32_t cp;
        size_t k = xmlsan_utf8_next((unsigned char *)b.data + i,
                                    b.len - i, &cp);

        if (cp == XMLSAN_INVALID || cp == 0xFFFE || cp == 0xFFFF ||
            (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r')) {
            esc++;
        }
        if (cp == 0xFFFD) {
            bad++;
        }
        i += k;
    }
    CHECK(esc == 0);
    CHECK(bad > 0);
    buf_free(&b);
    free(s);
}

int main(void)
{
    test_passes_valid_utf8();
    test_escapes_forbidden_characters();
    test_replaces_invalid_utf8();
    test_decoder();
    test_large_input();
    return unit_done();
}
