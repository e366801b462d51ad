/* xmlsan: make any bytes safe as XML 1.0 text (see xmlsan.h). */
#include "xmlsan.h"

#include <stdio.h>

size_t xmlsan_utf8_next(const unsigned char *s, size_t len, uint32_t *cp)
{
    unsigned char b0;
    unsigned char lo = 0x80, hi = 0xBF;
    size_t need, i;
    uint32_t c;

    if (len == 0) {
        *cp = XMLSAN_INVALID;
        return 0;
    }
    b0 = s[0];
    if (b0 < 0x80) {
        *cp = b0;
        return 1;
    }
    if (b0 < 0xC2 || b0 > 0xF4) {
        /* continuation byte, overlong lead C0/C1, or beyond U+10FFFF */
        *cp = XMLSAN_INVALID;
        return 1;
    }
    if (b0 < 0xE0) {
        need = 1;
        c = b0 & 0x1F;
    } else if (b0 < 0xF0) {
        need = 2;
        c = b0 & 0x0F;
        if (b0 == 0xE0) {
            lo = 0xA0;          /* below: overlong */
        } else if (b0 == 0xED) {
            hi = 0x9F;          /* above: surrogates */
        }
    } else {
        need = 3;
        c = b0 & 0x07;
        if (b0 == 0xF0) {
            lo = 0x90;          /* below: overlong */
        } else if (b0 == 0xF4) {
            hi = 0x8F;          /* above: beyond U+10FFFF */
        }
    }
    /* The second byte has the lead's own range, the others 80..BF. */
    for (i = 1; i <= need; i++) {
        if (i >= len || s[i] < lo || s[i] > hi) {
            *cp = XMLSAN_INVALID;
            return i;
        }
        c = (c << 6) | (s[i] & 0x3F);
        lo = 0x80;
        hi = 0xBF;
    }
    *cp = c;
    return i;
}

/* Is this ASCII byte one that passes through as it is? */
static int plain_ascii(unsigned char c)
{
    return (c >= 0x20 && c < 0x80) || c == '\t' || c == '\n' || c == '\r';
}

int xmlsan_text(const char *s, size_t len, struct buf *out)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;

    while (i < len) {
        size_t run = i, n;
        uint32_t cp;
        char esc[16];

        /* Copy runs of plain ASCII in one go: the common case. */
        while (run < len && plain_ascii(p[run])) {
            run++;
        }
        if (run > i) {
            if (buf_append(out, p + i, run - i) != 0) {
                return -1;
            }
            i = run;
            continue;
        }
        n = xmlsan_utf8_next(p + i, len - i, &cp);
        if (cp == XMLSAN_INVALID) {
            if (buf_append(out, "\xEF\xBF\xBD", 3) != 0) {
                return -1;
            }
        } else if (cp < 0x20) {
            snprintf(esc, sizeof esc, "\\x%02x", (unsigned)cp);
            if (buf_append(out, esc, 4) != 0) {
                return -1;
            }
        } else if (cp == 0xFFFE || cp == 0xFFFF) {
            snprintf(esc, sizeof esc, "\\u%04x", (unsigned)cp);
            if (buf_append(out, esc, 6) != 0) {
                return -1;
            }
        } else if (buf_append(out, p + i, n) != 0) {
            return -1;
        }
        i += n;
    }
    return 0;
}
