/* btrace: a crash log's native backtrace made readable for the person who
 * owns the library: frames resolved, demangled, and the runner's own. */
#ifndef CROSSRUN_BTRACE_H
#define CROSSRUN_BTRACE_H

#include <stddef.h>

#include "core/buf.h"

/* Rewrite a crash log (text that the crash handler wrote: lines of
 * glibc's backtrace_symbols_fd after a "Native backtrace" line, among
 * other text). Every frame "/path/libx.so(_ZN1a1fEv+0x1d) [0x7f..]"
 * becomes "  #N a::f()+0x1d (file.c:12) in libx.so [0x7f..]": the
 * function is named from the object's symbol table when the dynamic one
 * has no name for it, and the source line is added where the object has
 * debug information. Frames of the machinery that called the library
 * (this program, the Python interpreter, libffi, ctypes and crossrun's
 * extension) are cut, each run of them replaced by one line that counts
 * them, as are the process's start-up frames below the last frame of the
 * code under test; a backtrace with no frame outside that machinery is
 * kept whole. Other lines are copied as they are.
 * Returns 0, or -1 when memory runs out (out then holds part). */
int bt_rewrite(const char *in, size_t len, struct buf *out);

#endif
