import crossrun


def test_three():
    assert "abc".upper() == "ABC"


def test_four():
    assert [1, 2] + [3] == [1, 2, 3]


def test_skipped():
    crossrun.skip("shows as skipped in the shard's report")
