/* stdcont: operator new/delete, std::map's red-black tree, std::hash of
 * a string and std::shared_ptr's reference counting, for the containers
 * ffi/06_stdtype.c to ffi/09_std.c and ffi/05_smart.c lay out in C. Only
 * the tree needs C++: its rebalancing is libstdc++'s exported
 * std::_Rb_tree_insert_and_rebalance and std::_Rb_tree_increment
 * (bits/stl_tree.h, src/c++98/tree.cc), so a map built here is exactly
 * one the library's own code built. Vectors, lists, pairs, strings and
 * hash tables are plain memory that C reads and writes; a per-type C++
 * instantiation for every element kind would multiply the code without
 * reaching more types. */
#include "cxx/stdcont.h"

#include <bits/functional_hash.h>
#include <bits/stl_tree.h>
#include <memory>
#include <new>

typedef std::_Rb_tree_node_base node_base;

static node_base *header_of(const void *m)
{
    return reinterpret_cast<node_base *>(
        const_cast<char *>(static_cast<const char *>(m)) + SC_MAP_HEADER);
}

static size_t *count_of(void *m)
{
    return reinterpret_cast<size_t *>(static_cast<char *>(m) +
                                      SC_MAP_COUNT);
}

static const void *value_of(const node_base *n)
{
    return reinterpret_cast<const char *>(n) + SC_RB_VALUE;
}

extern "C" void *sc_new(size_t n)
{
    return n == 0 ? nullptr : ::operator new(n, std::nothrow);
}

extern "C" void sc_delete(void *p)
{
    ::operator delete(p);
}

extern "C" size_t sc_hash_bytes(const void *p, size_t n)
{
    return std::_Hash_bytes(p, n, static_cast<size_t>(0xc70f6907UL));
}

extern "C" void sc_map_init(void *m)
{
    node_base *h = header_of(m);

    static_assert(sizeof(node_base) == SC_RB_VALUE, "libstdc++ layout");
    h->_M_color = std::_S_red;
    h->_M_parent = nullptr;
    h->_M_left = h;
    h->_M_right = h;
    *count_of(m) = 0;
}

extern "C" void *sc_map_first(const void *m)
{
    node_base *h = header_of(m);

    return h->_M_left == h ? nullptr : h->_M_left;
}

extern "C" void *sc_map_next(const void *m, void *node)
{
    node_base *n = std::_Rb_tree_increment(static_cast<node_base *>(node));

    return n == header_of(m) ? nullptr : n;
}

extern "C" int sc_map_insert(void *m, void *node,
                             int (*less)(const void *, const void *, void *),
                             void *ctx)
{
    node_base *h = header_of(m), *y = h, *x = h->_M_parent;
    node_base *z = static_cast<node_base *>(node);
    const void *k = value_of(z);
    bool left = true;

    while (x != nullptr) { /* the place std::map::insert would find */
        y = x;
        left = less(k, value_of(x), ctx) != 0;
        x = left ? x->_M_left : x->_M_right;
    }
    node_base *j = y;
    if (left) {
        if (j != h->_M_left) {
            j = std::_Rb_tree_decrement(j);
        } else {
            j = nullptr; /* smaller than everything: no equal key */
        }
    }
    if (j != nullptr && j != h && !less(value_of(j), k, ctx)) {
        return 0; /* j's key is not less than k and k not less: equal */
    }
    bool insert_left = y == h || less(k, value_of(y), ctx) != 0;
    std::_Rb_tree_insert_and_rebalance(insert_left, z, y, *h);
    ++*count_of(m);
    return 1;
}

static void erase(node_base *x, void (*destroy)(void *, void *), void *ctx)
{
    while (x != nullptr) { /* as _Rb_tree::_M_erase: right, then left */
        erase(x->_M_right, destroy, ctx);
        node_base *y = x->_M_left;
        destroy(const_cast<void *>(value_of(x)), ctx);
        ::operator delete(x);
        x = y;
    }
}

extern "C" void sc_map_clear(void *m, void (*destroy)(void *, void *),
                             void *ctx)
{
    erase(header_of(m)->_M_parent, destroy, ctx);
    sc_map_init(m);
}

/* shared_ptr<T> for any T is shared_ptr<char> in memory: a pointer and a
 * control block whose virtual functions know T and the deleter. */
typedef std::shared_ptr<char> any_shared;

extern "C" void sc_shared_copy(void *dst, const void *src)
{
    new (dst) any_shared(*static_cast<const any_shared *>(src));
}

extern "C" void sc_shared_reset(void *mem)
{
    any_shared *p = static_cast<any_shared *>(mem);

    p->~any_shared();
    new (mem) any_shared();
}

extern "C" long sc_shared_use_count(const void *mem)
{
    return static_cast<const any_shared *>(mem)->use_count();
}
