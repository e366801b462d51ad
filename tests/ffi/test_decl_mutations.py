"""Declarations mutated byte by byte and character by character (non-ASCII
characters put in, taken out, cut short): each one is found, or raises
crossrun.DeclarationError or crossrun.SymbolNotFound with a message that
is text; never another exception (a message holding half a UTF-8
character raised UnicodeDecodeError)."""
import random

import crossrun

calc = crossrun.load("fixtures/build/libcalc.so")

SEEDS = [
    "int calc::add(int, int)",
    "double calc::Circle::area() const",
    "void calc::Circle::scale(double)",
    "const std::string& calc::Shape::name() const",
    "int calc::parse_positive(const char*)",
]
ODD = ["é", "日", "😀", "\u00a0", "\u200b", "ß" * 30, "日" * 40]


def mutations(seed, rng):
    """Every position with each odd character put in or in place of one,
    the declaration cut at each character, and some random mixes."""
    for i in range(len(seed) + 1):
        for odd in ODD:
            yield seed[:i] + odd + seed[i:]
            yield seed[:i] + odd + seed[i + 1:]
        yield seed[:i]
    for _ in range(200):
        text = list(seed)
        for _ in range(rng.randrange(1, 4)):
            text.insert(rng.randrange(len(text) + 1), rng.choice(ODD))
        yield "".join(text)


def test_mutated_declarations_raise_declaration_errors_only():
    rng = random.Random(20261207)
    tried = errors = 0
    for seed in SEEDS:
        for text in mutations(seed, rng):
            tried += 1
            try:
                calc.fn(text)
            except (crossrun.DeclarationError, crossrun.SymbolNotFound) as e:
                errors += 1
                assert isinstance(str(e), str) and str(e), text
                if isinstance(e, crossrun.DeclarationError):
                    assert e.declaration == text
                    assert "\ufffd" not in e.reason, (text, e.reason)
    assert errors > tried // 2, (errors, tried)


def test_a_long_run_of_non_ascii_is_cut_on_a_character():
    text = "int f(int x" + "日" * 60 + ")"
    try:
        calc.fn(text)
    except crossrun.DeclarationError as e:
        assert "found '日'" in e.reason, e.reason
        assert "\ufffd" not in str(e)
    else:
        raise AssertionError("parsed: " + text)
