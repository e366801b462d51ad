/* judge: core/verdict.h for Python callers (the worker and the pytest
 * plugin): verdict() words how an isolated run ended, cut_note() the
 * note for output dropped beyond the cap, as the runner words them. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <sys/wait.h>

#include "core/verdict.h"
#include "ffi/module.h"

static const char *const kind_names[] = {
    [VERDICT_FINISHED] = "finished", [VERDICT_PASSED] = "passed",
    [VERDICT_TIMEOUT] = "timeout", [VERDICT_CRASH] = "crash",
    [VERDICT_EXIT] = "exit",
};

/* The int attribute `name` of r into *out (0 when it is None). Returns 0,
 * or -1 with a Python exception set. */
static int int_attr(PyObject *r, const char *name, int *out)
{
    PyObject *v = PyObject_GetAttrString(r, name);
    long n = 0;

    if (v == NULL) {
        return -1;
    }
    if (v != Py_None) {
        n = PyLong_AsLong(v);
    }
    Py_DECREF(v);
    if (n == -1 && PyErr_Occurred()) {
        return -1;
    }
    if (n < 0 || n > 255) {
        PyErr_Format(PyExc_ValueError, "verdict: result.%s: %ld is not "
                     "an exit status or a signal number (0 to 255)", name, n);
        return -1;
    }
    *out = (int)n;
    return 0;
}

/* The end of the run r (an IsolatedResult; None: a run in this process
 * that finished) into *e. 0 or -1. */
static int end_of(PyObject *r, struct verdict_end *e)
{
    PyObject *timed_out, *report;
    int code = 0, sig = 0;

    if (r == Py_None) {
        e->reported = 1;
        return 0;
    }
    if (int_attr(r, "exitcode", &code) != 0 ||
        int_attr(r, "signal", &sig) != 0) {
        return -1;
    }
    e->status = sig ? W_EXITCODE(0, sig) : W_EXITCODE(code, 0);
    timed_out = PyObject_GetAttrString(r, "timed_out");
    report = timed_out ? PyObject_GetAttrString(r, "report") : NULL;
    if (report != NULL) {
        e->timed_out = PyObject_IsTrue(timed_out);
        e->reported = PyObject_IsTrue(report);
    }
    Py_XDECREF(timed_out);
    Py_XDECREF(report);
    return report == NULL || e->timed_out < 0 || e->reported < 0 ? -1 : 0;
}

PyDoc_STRVAR(verdict_doc,
"verdict(result, timeout, crashes=None)\n--\n\n"
"How a run ended, in the runner's words. result: its IsolatedResult, or\n"
"None for a run in this process that finished; timeout: its limit in\n"
"seconds, or None; crashes: the signal number it is expected to die by,\n"
"or None. Returns (kind, type, message, detail_head): kind is\n"
"'finished' (it reported: the report decides; when a crash was\n"
"expected, type and message say what to report if it passed),\n"
"'passed', 'timeout', 'crash' or 'exit'; type and message are str or\n"
"None; detail_head goes before the crash text in the detail.");

static PyObject *verdict(PyObject *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"result", "timeout", "crashes", NULL};
    PyObject *r, *timeout, *crashes = Py_None;
    struct verdict_end e = {0};
    struct verdict v;

    (void)self;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OO|O:verdict", kwlist, &r,
                                     &timeout, &crashes) ||
        end_of(r, &e) != 0) {
        return NULL;
    }
    if (timeout != Py_None) {
        e.timeout = PyFloat_AsDouble(timeout);
        if (e.timeout == -1.0 && PyErr_Occurred()) {
            return NULL;
        }
    }
    if (crashes != Py_None) {
        e.crashes = _PyLong_AsInt(crashes);
        if (e.crashes == -1 && PyErr_Occurred()) {
            return NULL;
        }
    }
    verdict_judge(&e, &v);
    return Py_BuildValue("(szzs)", kind_names[v.kind], v.type,
                         v.message[0] ? v.message : NULL, v.detail_head);
}

PyDoc_STRVAR(cut_note_doc,
"cut_note(cut)\n--\n\n"
"The note (bytes) that `cut` bytes of output were dropped beyond the\n"
"capture cap, to append to the output; b'' when cut is 0.");

static PyObject *cut_note(PyObject *self, PyObject *arg)
{
    size_t cut = PyLong_AsSize_t(arg);
    struct buf b = BUF_INIT;
    PyObject *res;

    (void)self;
    if (cut == (size_t)-1 && PyErr_Occurred()) {
        return NULL;
    }
    if (verdict_cut_note(&b, cut) != 0) {
        return PyErr_NoMemory();
    }
    res = PyBytes_FromStringAndSize(b.data ? b.data : "",
                                    (Py_ssize_t)b.len);
    buf_free(&b);
    return res;
}

static PyMethodDef judge_methods[] = {
    {"verdict", (PyCFunction)(void (*)(void))verdict,
     METH_VARARGS | METH_KEYWORDS, verdict_doc},
    {"cut_note", cut_note, METH_O, cut_note_doc},
    {NULL, NULL, 0, NULL},
};

int judge_module_init(PyObject *m)
{
    return PyModule_AddFunctions(m, judge_methods);
}
