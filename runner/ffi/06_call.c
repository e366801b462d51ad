/* 06_call: a call of a crossrun.Function (function_vectorcall).
 *
 * How a call goes:
 *  1. The Function was built once by lib.fn() (05_function): the
 *     declaration parsed, the symbol found, one converter per parameter
 *     (04_conv) chosen by its declared type, the ffi_cif prepared, and
 *     the layout of the per-call argument area computed (one slot per
 *     argument plus extra room for temporaries such as a std::string
 *     copy). prepare() here chose its call path.
 *  2. Arguments arrive by vectorcall (no tuple). Missing trailing ones
 *     take the declaration's default values.
 *  3. Each argument is converted into its slot; anything that must live
 *     until the call returns (a Py_buffer, a temporary std::string, a
 *     closure for a Python callable) is recorded in a callctx and
 *     released in one loop after the call.
 *  4. The call: on x86-64, functions whose arguments all travel in
 *     registers (up to 6 integer/pointer and 8 floating point) are called
 *     directly through a function pointer with every register argument
 *     (the fast path: no libffi work per call); everything else goes
 *     through ffi_call. Both run inside ffi_cxx's try/catch, so a C++
 *     exception comes back as CxxException.
 *  5. An exception raised by a Python callback during the call is raised
 *     now; otherwise the result converts back (std::string results come
 *     through a hidden first pointer argument and are copied into a
 *     StdString, then destroyed). */
#include "ffi/06_call.h"

#include <string.h>

#include "cxx/cxxrt.h"
#include "ffi/01_errors.h"
#include "ffi/02_values.h"
#include "ffi/03_lib.h"
#include "ffi/04_conv.h"
#include "ffi/05_function.h"

/* Register class of an argument on the fast path. */
enum { FR_INT = 1, FR_SSE_D = 2, FR_SSE_F = 3 };
/* Result kinds of the fast path. */
enum { FAST_NONE = 0, FAST_INT, FAST_DOUBLE, FAST_FLOAT };

typedef uint64_t (*fast_int_fn)(uint64_t, uint64_t, uint64_t, uint64_t,
                                uint64_t, uint64_t, double, double, double,
                                double, double, double, double, double);
typedef double (*fast_sse_fn)(uint64_t, uint64_t, uint64_t, uint64_t,
                              uint64_t, uint64_t, double, double, double,
                              double, double, double, double, double);

struct fast_call {
    void (*fn)(void);
    int kind;
    uint64_t i[6];
    double d[8];
    uint64_t ri;
    double rd;
};

#if defined(__x86_64__) && defined(__linux__)
#define HAVE_FAST_PATH 1
/* Call with every argument register loaded. On the System V x86-64 ABI a
 * function whose arguments are all INTEGER or SSE class reads the first
 * six of the first from rdi..r9 and the first eight of the second from
 * xmm0..7 in order, so the unused registers are never read. */
static void fast_invoke(void *arg)
{
    struct fast_call *f = arg;

    if (f->kind == FAST_INT) {
        f->ri = ((fast_int_fn)(void *)f->fn)(f->i[0], f->i[1], f->i[2],
                                              f->i[3], f->i[4], f->i[5],
                                              f->d[0], f->d[1], f->d[2],
                                              f->d[3], f->d[4], f->d[5],
                                              f->d[6], f->d[7]);
    } else {
        f->rd = ((fast_sse_fn)(void *)f->fn)(f->i[0], f->i[1], f->i[2],
                                             f->i[3], f->i[4], f->i[5],
                                             f->d[0], f->d[1], f->d[2],
                                             f->d[3], f->d[4], f->d[5],
                                             f->d[6], f->d[7]);
    }
}
#else
#define HAVE_FAST_PATH 0
#endif

struct ffi_invoke {
    ffi_cif *cif;
    void (*fn)(void);
    void *rvalue;
    void **avalues;
};

/* Whether a value of kind k travels in an integer register, as it is
 * (a std::string argument does too, as the address of a copy). */
static int in_int_register(enum cv_kind k)
{
    switch (k) {
    case CV_BOOL:
    case CV_INT:
    case CV_ENUM:
    case CV_PTR:
    case CV_THIS:
    case CV_FUNCPTR:
    case CV_STRPTR:
    case CV_CREF:
        return 1;
    default:
        return 0;
    }
}

/* Decide whether f can take the fast path; sets f->fast and fast_map. */
static void classify_fast(FunctionObject *f)
{
    size_t i, nint = 0, nsse = 0;

    f->fast = FAST_NONE;
    if (!HAVE_FAST_PATH || f->sret || f->decl->variadic || f->nargs > 8) {
        return;
    }
    for (i = 0; i < f->nargs; i++) {
        enum cv_kind k = f->args[i].kind;

        if (in_int_register(k) || k == CV_STRING) {
            f->fast_map[i] = FR_INT;
            nint++;
        } else if (k == CV_DOUBLE || k == CV_FLOAT) {
            f->fast_map[i] = k == CV_DOUBLE ? FR_SSE_D : FR_SSE_F;
            nsse++;
        } else {
            return;
        }
    }
    if (nint > 6 || nsse > 8) {
        return;
    }
    if (f->ret.kind == CV_VOID || in_int_register(f->ret.kind)) {
        f->fast = FAST_INT;
    } else if (f->ret.kind == CV_DOUBLE) {
        f->fast = FAST_DOUBLE;
    } else if (f->ret.kind == CV_FLOAT) {
        f->fast = FAST_FLOAT;
    }
}

/* The value of an INTEGER-class slot, extended to 64 bits as the ABI
 * expects of the caller. */
static uint64_t widen(const struct conv *c, const void *slot)
{
    uint64_t u = 0;

    if (c->kind == CV_BOOL) {
        return *(const uint8_t *)slot;
    }
    if (c->kind != CV_INT && c->kind != CV_ENUM) {
        memcpy(&u, slot, 8);
        return u;
    }
    if (c->is_signed) {
        switch (c->size) {
        case 1:
            return (uint64_t)(int64_t) * (const int8_t *)slot;
        case 2:
            return (uint64_t)(int64_t) * (const int16_t *)slot;
        case 4:
            return (uint64_t)(int64_t) * (const int32_t *)slot;
        }
    } else {
        switch (c->size) {
        case 1:
            return *(const uint8_t *)slot;
        case 2:
            return *(const uint16_t *)slot;
        case 4:
            return *(const uint32_t *)slot;
        }
    }
    memcpy(&u, slot, 8);
    return u;
}

/* Destroy a std::string result with the C++ runtime that built it. */
static void string_destroy(const FunctionObject *f, void *mem)
{
    const LibraryObject *lib = (const LibraryObject *)f->lib;

    if (lib != NULL && lib->string_dtor != NULL) {
        lib->string_dtor(mem);
    } else {
        ffi_cxx_string_destroy(mem);
    }
}

static void libffi_invoke(void *arg)
{
    struct ffi_invoke *v = arg;

    ffi_call(v->cif, v->fn, v->rvalue, v->avalues);
}

/* Largest argument area kept on the C stack. */
#define AREA_STACK 512
#define MAX_STACK_ARGS 16

static PyObject *function_vectorcall(PyObject *self, PyObject *const *args,
                                     size_t nargsf, PyObject *kwnames)
{
    FunctionObject *f = (FunctionObject *)self;
    Py_ssize_t n = PyVectorcall_NARGS(nargsf);
    _Alignas(16) unsigned char stack[AREA_STACK];
    _Alignas(16) unsigned char rbuf[32];
    void *avalues_stack[MAX_STACK_ARGS];
    void **avalues = avalues_stack;
    unsigned char *area = stack, *rvalue = rbuf;
    struct callctx ctx;
    PyObject *result = NULL;
    char *etype = NULL, *ewhat = NULL;
    size_t i, first = f->sret ? 1 : 0;
    void *sret_ptr = NULL;
    PyObject *robj = NULL; /* the object a hidden result pointer fills */
    void (*fn)(void) = f->fn;
    int threw;

    if (kwnames != NULL && PyTuple_GET_SIZE(kwnames) > 0) {
        PyErr_Format(PyExc_TypeError, "%U takes no keyword arguments: pass "
                     "the arguments in order", f->text);
        return NULL;
    }
    if ((size_t)n != f->nargs && ((size_t)n < f->nreq ||
                                  (size_t)n > f->nargs)) {
        size_t self_arg = f->is_method ? 1 : 0;

        PyErr_Format(PyExc_TypeError, "%s%U takes %zu argument%s (%zd "
                     "given)%s", f->is_method ? "method " : "", f->text,
                     f->nargs - self_arg, f->nargs - self_arg == 1 ? "" : "s",
                     n - (Py_ssize_t)self_arg,
                     f->is_method ? ", plus the object first" : "");
        return NULL;
    }
    callctx_init(&ctx);
    if (f->area > AREA_STACK) {
        area = PyMem_Malloc(f->area);
        if (area == NULL) {
            return PyErr_NoMemory();
        }
    }
    if (f->nargs + first > MAX_STACK_ARGS) {
        avalues = PyMem_Malloc((f->nargs + first) * sizeof(*avalues));
        if (avalues == NULL) {
            PyErr_NoMemory();
            goto out;
        }
    }
    for (i = 0; i < f->nargs; i++) {
        const struct conv *c = &f->args[i];
        PyObject *o = i < (size_t)n ? args[i] : f->defaults[i];
        int argno = (int)i + (f->is_method ? 0 : 1);

        if (conv_to_c(c, o, area + c->slot, area + c->extra, &ctx,
                      argno) != 0) {
            goto out;
        }
        avalues[first + i] = area + c->slot;
    }
    if (f->is_method) {
        void *obj;

        /* A method on no object would fault inside the library. */
        memcpy(&obj, area + f->args[0].slot, sizeof(obj));
        if (obj == NULL) {
            PyErr_Format(PyExc_ValueError, "%U: the object ('this') is "
                         "NULL: call it on a live object", f->text);
            goto out;
        }
        if (f->vindex >= 0) {
            fn = (*(void (***)(void))obj)[f->vindex];
        }
    }
#if HAVE_FAST_PATH
    if (f->fast != FAST_NONE) {
        struct fast_call fc;
        size_t ni = 0, nd = 0;

        fc.fn = fn;
        fc.kind = f->fast == FAST_INT ? FAST_INT : FAST_DOUBLE;
        memset(fc.i, 0, sizeof(fc.i));
        memset(fc.d, 0, sizeof(fc.d));
        for (i = 0; i < f->nargs; i++) {
            const unsigned char *slot = area + f->args[i].slot;

            if (f->fast_map[i] == FR_INT) {
                fc.i[ni++] = widen(&f->args[i], slot);
            } else if (f->fast_map[i] == FR_SSE_D) {
                memcpy(&fc.d[nd++], slot, 8);
            } else {
                memcpy(&fc.d[nd++], slot, 4); /* low half of the register */
            }
        }
        threw = ffi_cxx_guard(fast_invoke, &fc, &etype, &ewhat);
        if (f->fast == FAST_INT) {
            memcpy(rvalue, &fc.ri, 8);
        } else {
            memcpy(rvalue, &fc.rd, 8);
        }
    } else
#endif
    {
        struct ffi_invoke inv;

        if (f->ret_size > sizeof(rbuf)) {
            rvalue = area + f->area - f->ret_size;
        }
        if (f->sret == SRET_OBJECT) {
            robj = conv_hooks.object_alloc(f->ret.type);
            if (robj == NULL) {
                goto out;
            }
            sret_ptr = conv_hooks.object_ptr(robj);
            avalues[0] = &sret_ptr;
        } else if (f->sret) {
            sret_ptr = area + f->area - CONV_SRET_SIZE;
            avalues[0] = &sret_ptr;
        }
        inv.cif = &f->cif;
        inv.fn = fn;
        inv.rvalue = rvalue;
        inv.avalues = avalues;
        threw = ffi_cxx_guard(libffi_invoke, &inv, &etype, &ewhat);
    }
    callctx_release(&ctx);
    if (threw) {
        if (robj != NULL) {
            conv_hooks.object_abandon(robj); /* nothing was constructed */
        }
        ffi_raise_cxx(etype, ewhat);
        goto out;
    }
    if (robj != NULL) {
        conv_hooks.object_constructed(robj);
        if (ffi_cb_failed) {
            Py_DECREF(robj); /* runs the destructor */
            ffi_cb_reraise();
            goto out;
        }
        result = robj;
        goto out;
    }
    if (ffi_cb_failed) {
        if (f->sret && f->ret.kind == CV_STD) {
            conv_hooks.std_discard(&f->ret, sret_ptr);
        } else if (f->sret && f->ret.kind == CV_SMART) {
            conv_hooks.smart_discard(&f->ret, sret_ptr);
        } else if (f->sret) {
            string_destroy(f, sret_ptr);
        }
        ffi_cb_reraise();
        goto out;
    }
    if (f->sret && (f->ret.kind == CV_STD || f->ret.kind == CV_SMART)) {
        result = conv_from_c(&f->ret, sret_ptr, NULL); /* and destroys or
                                                          adopts */
    } else if (f->sret) {
        result = ffi_stdstring_adopt(sret_ptr);
        string_destroy(f, sret_ptr);
    } else {
        result = conv_from_c(&f->ret, rvalue, NULL);
    }
out:
    if (ctx.n > 0) {
        callctx_release(&ctx);
    }
    if (area != stack) {
        PyMem_Free(area);
    }
    if (avalues != avalues_stack) {
        PyMem_Free(avalues);
    }
    return result;
}

/* Choose how f is called: vectorcall, and the fast path when it fits. */
static void prepare(FunctionObject *f)
{
    f->vectorcall = function_vectorcall;
    classify_fast(f);
}

int ffi_call_ready(void)
{
    ffi_function_caller.prepare = prepare;
    return 0;
}
