"""_cxxops: Python's own protocol (v[k], ==, <, bool(v), v(x), +, ...) on
the classes of lib.cls and lib.struct, served by the C++ operators they
declare: members (called from lib.cls) and free ones (from lib.fn)."""

# C++ operator -> Python special method, for an operator taking one
# operand besides the object.
_BINARY = {
    "operator==": "__eq__", "operator!=": "__ne__", "operator<": "__lt__",
    "operator<=": "__le__", "operator>": "__gt__", "operator>=": "__ge__",
    "operator+": "__add__", "operator-": "__sub__", "operator*": "__mul__",
    "operator/": "__truediv__", "operator%": "__mod__",
    "operator&": "__and__", "operator|": "__or__", "operator^": "__xor__",
    "operator<<": "__lshift__", "operator>>": "__rshift__",
    "operator+=": "__iadd__", "operator-=": "__isub__",
    "operator*=": "__imul__", "operator/=": "__itruediv__",
}
# ... and for one taking none.
_UNARY = {"operator-": "__neg__", "operator+": "__pos__",
          "operator~": "__invert__"}
_SCALARS = ("bool", "char", "signed char", "unsigned char", "short",
            "unsigned short", "int", "unsigned int", "long", "unsigned long",
            "long long", "unsigned long long", "float", "double")


def _result_scalar(fn):
    """The scalar type a Function returns a reference to ('int' for
    'int& ...'), else None."""
    sig = fn.signature
    if sig.startswith("static "):
        return None
    for t in _SCALARS:
        if sig.startswith(t + "& ") or sig.startswith(t + " const& "):
            return t
    return None


def _deref(method, r):
    """A reference to a scalar comes back as the scalar for v[k]."""
    if r is None or not hasattr(r, "read"):
        return r
    for fn in method.overloads:
        t = _result_scalar(fn)
        if t is not None:
            return r.read(t)
    return r


def _binary(name):
    def op(self, other):
        try:
            return getattr(self, name)(other)
        except TypeError:
            return NotImplemented
    return op


def _unary(name):
    return lambda self: getattr(self, name)()


def members(cls):
    """Give cls the special methods its declared operators serve."""
    own = cls.__dict__
    for name, dunder in _BINARY.items():
        if name in own:
            setattr(cls, dunder, _binary(name))
    for name, dunder in _UNARY.items():
        if name in own:
            setattr(cls, dunder, _unary(name))
    if "operator bool" in own:
        cls.__bool__ = lambda self: bool(getattr(self, "operator bool")())
    if "operator()" in own:
        cls.__call__ = lambda self, *a: getattr(self, "operator()")(*a)
    if "operator[]" in own:
        method = own["operator[]"]

        def getitem(self, key):
            return _deref(method, getattr(self, "operator[]")(key))

        cls.__getitem__ = getitem
        if any(_result_scalar(fn) for fn in method.overloads):
            def setitem(self, key, value):
                r = getattr(self, "operator[]")(key)
                for fn in method.overloads:
                    t = _result_scalar(fn)
                    if t is not None and "const&" not in fn.signature:
                        r.write(t, value)
                        return
                raise TypeError("operator[] of %s returns a const reference"
                                % cls.__qualname__)
            cls.__setitem__ = setitem


def free(cls, fn, name, nparams):
    """A free operator fn of nparams operands, the first of class cls,
    serves cls's special method for name; of several free overloads, the
    one the operands fit best is called."""
    dunder = None
    if nparams == 2:
        dunder = _BINARY.get(name)
    elif nparams == 1:
        dunder = _UNARY.get(name)
    if dunder is None:
        return
    fns = cls.__dict__.get("_free_" + dunder)
    if fns is None:
        fns = []
        setattr(cls, "_free_" + dunder, fns)

        def op(self, *other):
            # The overload the operands fit best, as for methods (an enum
            # member picks the enum's, a plain int the int's); the first
            # declared on a tie; else each in turn, for its own error.
            fits = [(f._fit(self, *other), -k) for k, f in enumerate(fns)]
            best, at = max(fits)
            for f in [fns[-at]] if best > 0 else fns:
                try:
                    return f(self, *other)
                except TypeError:
                    continue
            return NotImplemented
        setattr(cls, dunder, op)
    if fn not in fns:
        fns.append(fn)
