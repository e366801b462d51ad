/* fuzz_tap: libFuzzer target for the worker protocol's TAP parser
 * (runner/tap.c). The input is fed in pieces whose sizes come from its
 * first byte (lines and escapes split across feeds), then finished; every
 * event's strings and YAML pairs are read whole, so the sanitizers see
 * any pointer that outlives its buffer or lacks its terminator. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

static size_t touched;

static void touch(const char *s)
{
    if (s != NULL) {
        touched += strlen(s);
    }
}

static void on_event(void *ctx, const struct tap_event *ev)
{
    static const char *keys[] = {"outcome", "duration", "message", "detail",
                                 "stdout", "stderr", "type", "file", "line"};
    (void)ctx;
    touch(ev->description);
    touch(ev->reason);
    touch(ev->text);
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        size_t len = 0;
        const char *v = tap_get(ev, keys[i], &len);

        if (v != NULL) {
            /* A value holds len bytes and a terminator after them. */
            if (v[len] != '\0') {
                abort();
            }
            for (size_t k = 0; k < len; k++) {
                touched += (unsigned char)v[k];
            }
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tap_parser *p = tap_new(on_event, NULL);
    size_t step, i;

    if (p == NULL || size == 0) {
        tap_free(p);
        return 0;
    }
    step = (size_t)data[0] % 17 + 1;
    for (i = 1; i < size; i += step) {
        size_t n = size - i < step ? size - i : step;

        if (tap_feed(p, (const char *)data + i, n) != 0) {
            break;
        }
    }
    (void)tap_finish(p);
    tap_free(p);
    return 0;
}
