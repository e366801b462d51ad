import time


def test_quick():
    assert True


def test_slow():
    time.sleep(60)
