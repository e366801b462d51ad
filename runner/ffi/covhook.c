/* covhook: coverage through isolation, the process side (DESIGN.md s10):
 * a test's process zeroes the gcov counters it inherited when it starts,
 * and before it ends (normally, at a crash, at a timeout's SIGTERM)
 * writes them and has coverage.py save what it measured there.
 *
 * Python's half is crossrun._coverage: its start() calls cov_enable()
 * here and registers save() as the hook run before a process ends. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <signal.h>

#include "core/gcovflush.h"
#include "ffi/covhook.h"
#include "ffi/module.h"

/* crossrun._coverage.save, or NULL: coverage.py is not measuring. */
static PyObject *py_save;

/* Our SIGTERM handler wrote the counters; now the interpreter's own
 * handler (crossrun._coverage's) saves coverage.py's data and ends the
 * process, at its next bytecode. If the test hangs in native code it
 * never gets there: the supervisor's SIGKILL ends it, and coverage.py's
 * data of that process is lost (the gcov counters are written). */
static void trip_python(void)
{
    (void)PyErr_SetInterruptEx(SIGTERM);
}

void covhook_begin(void)
{
    if (gcovflush_enabled()) {
        (void)gcovflush_reset();
    }
}

void covhook_end(void)
{
    if (py_save != NULL) {
        PyObject *r = PyObject_CallNoArgs(py_save);

        if (r == NULL) {
            PyErr_Print();
        }
        Py_XDECREF(r);
    }
    (void)gcovflush_dump();
}

PyDoc_STRVAR(cov_enable_doc,
"cov_enable(save=None, notes=None)\n--\n\n"
"Turn coverage through isolation on in this process and the processes it\n"
"forks: gcov counters are zeroed at each isolated test's start and\n"
"written at its end, at a crash and at SIGTERM. save: called before\n"
"such a process ends (coverage.py's save), and by then the SIGTERM\n"
"handler that the caller registered with signal.signal runs. notes: a\n"
"file that gets a line \"crash\" or \"term\" for each process that\n"
"writes its counters from the crash or SIGTERM handler. Returns the\n"
"number of loaded objects with gcov counters.");

static PyObject *cov_enable(PyObject *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"save", "notes", NULL};
    PyObject *save = Py_None;
    const char *notes = NULL;
    int n;

    (void)self;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|Oz:cov_enable", kwlist,
                                     &save, &notes)) {
        return NULL;
    }
    gcovflush_note_to(notes);
    if (save != Py_None && !PyCallable_Check(save)) {
        PyErr_SetString(PyExc_TypeError,
                        "cov_enable: save is not callable");
        return NULL;
    }
    Py_XINCREF(save == Py_None ? NULL : save);
    Py_XSETREF(py_save, save == Py_None ? NULL : save);
    n = gcovflush_enable();
    if (gcovflush_on_term(py_save != NULL ? trip_python : NULL) != 0) {
        return PyErr_SetFromErrno(PyExc_OSError);
    }
    return PyLong_FromLong(n);
}

PyDoc_STRVAR(gcov_dump_doc,
"gcov_dump()\n--\n\n"
"Write the gcov counters of every loaded object built with --coverage\n"
"(once per process and object); the number of objects (0: off).");

static PyObject *gcov_dump(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    return PyLong_FromLong(gcovflush_dump());
}

PyDoc_STRVAR(gcov_reset_doc,
"gcov_reset()\n--\n\n"
"Zero the gcov counters of every loaded object built with --coverage;\n"
"the number of objects (0: off).");

static PyObject *gcov_reset(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    return PyLong_FromLong(gcovflush_reset());
}

PyDoc_STRVAR(gcov_stripped_doc,
"gcov_stripped()\n--\n\n"
"(count, first path) of the loaded objects that have gcov counters but\n"
"no symbol table, so that their counters cannot be written.");

static PyObject *gcov_stripped(PyObject *self, PyObject *unused)
{
    char path[4096] = "";
    int n = gcovflush_stripped(path, sizeof path);

    (void)self;
    (void)unused;
    return Py_BuildValue("(is)", n, path);
}

static PyMethodDef covhook_methods[] = {
    {"cov_enable", (PyCFunction)(void (*)(void))cov_enable,
     METH_VARARGS | METH_KEYWORDS, cov_enable_doc},
    {"gcov_dump", gcov_dump, METH_NOARGS, gcov_dump_doc},
    {"gcov_reset", gcov_reset, METH_NOARGS, gcov_reset_doc},
    {"gcov_stripped", gcov_stripped, METH_NOARGS, gcov_stripped_doc},
    {NULL, NULL, 0, NULL},
};

int covhook_module_init(PyObject *m)
{
    return PyModule_AddFunctions(m, covhook_methods);
}
