"""Sizes as --memory-limit and @mark.memory_limit take them: a number of
bytes, or a string "4096", "512K", "100M", "2GiB" (K, M, G, T: powers of
1024, as ulimit counts; runner/size.c reads the same)."""

_UNITS = {"": 0, "K": 10, "M": 20, "G": 30, "T": 40}


def parse_size(value, what):
    """Bytes of value (int >= 0 or a size string). ValueError naming what
    and the forms it takes otherwise."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str):
        text = value.strip()
        digits = len(text) - len(text.lstrip("0123456789"))
        unit = text[digits:].upper()
        for tail in ("IB", "B"):
            if unit.endswith(tail) and len(unit) == len(tail) + 1:
                unit = unit[:-len(tail)]
        if digits and unit in _UNITS:
            return int(text[:digits]) << _UNITS[unit]
    raise ValueError("%s: %r is not a size (a number of bytes, or a string "
                     "such as '512M' or '2G')" % (what, value))
