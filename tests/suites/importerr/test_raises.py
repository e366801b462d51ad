raise RuntimeError("broken at import")


def test_never():
    pass
