/* size: sizes on the command line, "512K", "100M", "1GiB", "4096". */
#ifndef CROSSRUN_SIZE_H
#define CROSSRUN_SIZE_H

/* Parse s: a whole number of bytes, or one followed by K, M, G or T
 * (any case, optionally with "iB" or "B": always powers of 1024, as
 * ulimit and cgroups count). Returns 0 with *out set, or -1 (not a size,
 * or more than 2^62 bytes). */
int size_parse(const char *s, unsigned long long *out);

#endif
