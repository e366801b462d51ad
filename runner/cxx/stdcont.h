/* stdcont: what C cannot do for libstdc++ containers laid out by hand in
 * C (ffi/06_stdtype.c to ffi/09_std.c, ffi/05_smart.c): allocate with
 * the C++ runtime's operator new; walk, insert into and rebalance a
 * std::map's red-black tree with libstdc++'s own exported tree
 * functions; hash a string as std::hash does; copy and release a
 * std::shared_ptr. */
#ifndef CROSSRUN_CXX_STDCONT_H
#define CROSSRUN_CXX_STDCONT_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* operator new(n): NULL when memory ran out (n 0 gives NULL too). */
void *sc_new(size_t n);
/* operator delete(p); NULL is fine. */
void sc_delete(void *p);

/* std::hash<std::string> of the n bytes at p (std::_Hash_bytes with
 * libstdc++'s seed, as bits/basic_string.h hashes). */
size_t sc_hash_bytes(const void *p, size_t n);

/* Offsets in a std::map / std::set (libstdc++ _Rb_tree, see
 * bits/stl_tree.h): the header node after the (empty) comparator, the
 * node count after it; a node's value after its four base fields. */
#define SC_MAP_SIZE 48
#define SC_MAP_HEADER 8
#define SC_MAP_COUNT 40
#define SC_RB_VALUE 32

/* Make the std::map at m empty (no allocation). */
void sc_map_init(void *m);
/* The first node of the map at m in key order, NULL when empty. */
void *sc_map_first(const void *m);
/* The node after node in key order, NULL after the last. */
void *sc_map_next(const void *m, void *node);
/* Insert node (SC_RB_VALUE + value bytes from sc_new, value filled in)
 * into the map at m, ordered by less(a, b, ctx) on node values. Returns
 * 1, or 0 when an equal key is there already (node is not inserted). */
int sc_map_insert(void *m, void *node,
                  int (*less)(const void *a, const void *b, void *ctx),
                  void *ctx);
/* Call destroy(value, ctx) on every node's value, free every node, and
 * leave the map empty. */
void sc_map_clear(void *m, void (*destroy)(void *value, void *ctx),
                  void *ctx);

/* A std::shared_ptr (of any T: the layout and the control block do not
 * depend on it) at src copied into dst (sharing ownership); released at
 * mem (the deleter runs with the last owner), leaving it empty; and its
 * use count. */
void sc_shared_copy(void *dst, const void *src);
void sc_shared_reset(void *mem);
long sc_shared_use_count(const void *mem);

#ifdef __cplusplus
}
#endif

#endif
