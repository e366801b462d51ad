/* xmlsan: turn arbitrary bytes into text that XML 1.0 accepts, keeping
 * what can be kept and marking visibly what cannot. */
#ifndef CROSSRUN_XMLSAN_H
#define CROSSRUN_XMLSAN_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

/* The code point xmlsan_utf8_next reports for an ill-formed sequence. */
#define XMLSAN_INVALID UINT32_C(0xFFFFFFFF)

/* Decode one UTF-8 sequence at s (len > 0 bytes available). Stores the
 * code point in *cp and returns the number of bytes it used (1 to 4).
 * Ill-formed input (stray continuation byte, overlong form, surrogate,
 * value above U+10FFFF, sequence cut short) stores XMLSAN_INVALID and
 * consumes its maximal subpart, the longest prefix that could have begun
 * a valid sequence (at least 1 byte), as the Unicode standard recommends:
 * each such subpart becomes one U+FFFD. Returns 0 only when len is 0. */
size_t xmlsan_utf8_next(const unsigned char *s, size_t len, uint32_t *cp);

/* Append s[0..len) (any bytes, NULs included) to out as valid UTF-8 made
 * only of characters XML 1.0 allows:
 *   - valid UTF-8 passes through unchanged, \t \n \r included (libxml2
 *     escapes them where they would not survive, as in attributes);
 *   - other C0 controls become the 4 characters \xNN (ESC -> "\x1b");
 *   - U+FFFE and U+FFFF become the 6 characters \ufffe and \uffff;
 *   - each ill-formed UTF-8 subpart becomes U+FFFD.
 * Markup characters (< & > " ') are left for the XML writer to escape.
 * Returns 0, or -1 when memory runs out (out then holds a prefix of the
 * result; the caller should discard it). */
int xmlsan_text(const char *s, size_t len, struct buf *out);

#endif
