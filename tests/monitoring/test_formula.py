"""The value-contract formula language: what it accepts, what it refuses (naming the piece), and that nothing
but its own error ever comes out of it, whatever the text or the values."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitoring import formula
from monitoring.formula import FormulaError

VALUES = {"precision": 0.8, "alerts_per_day": 40.0, "saving": 120.0, "cost_usd": 300.0, "a": 2.0, "b": 0.0}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("precision * alerts_per_day * saving - cost_usd", 0.8 * 40 * 120 - 300),
        ("(precision + 0.2) * 10", 10.0),
        ("-cost_usd / 3", -100.0),
        ("a ** 2 + a ** -1", 4.5),
        ("min(precision, 1, a) + max(a, 3) - abs(-cost_usd)", 0.8 + 3 - 300),
        ("1e6 * precision", 800_000.0),
        ("a / b", None),  # division by zero: undefined, not an exception
        ("(-a) ** 0.5", None),  # not a real number: undefined
        (" * ".join(["1e12 ** 4"] * 7) + " * cost_usd", None),  # beyond a float: undefined
    ],
)
def test_allowed_formulas_evaluate(text, expected):
    result = formula.evaluate(text, VALUES)
    if expected is None:
        assert result is None
    else:
        assert result == pytest.approx(expected)


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("precision.real", "“precision.real” is not allowed (an attribute)"),
        ("precision[0]", "(a subscript)"),
        ("precision > 0.5", "(a comparison)"),
        ("(lambda: 1)()", "the only functions are abs, max, min"),
        ("lambda: 1", "(a lambda)"),
        ("'saving'", "“'saving'” is not a number"),
        ("precision and saving", "(and/or)"),
        ("saving if precision else 0", "(if/else)"),
        ("__import__('os').system('id')", "the only functions are abs, max, min"),
        ("open('x')", "“open('x')”: the only functions are"),
        ("a ** 10", "raise only to a constant power between -4 and 4"),
        ("a ** b", "raise only to a constant power"),
        ("10 ** 10 ** 10", "raise only to a constant power"),
        ("1e400", "is too large"),
        ("99999999999999999999", "is too large"),
        ("a // b", "the operator FloorDiv"),
        ("a % b", "the operator Mod"),
        ("~a", "the operator Invert"),
        ("[a, b]", "(a list)"),
        ("True + a", "is not a number"),
        ("min(a)", "min takes between 2 and 10 arguments"),
        ("abs(a, b)", "abs takes one argument"),
        ("max(*a)", "give the function plain arguments"),
        ("min", "“min” is a function"),
        ("a +", "does not read as a formula"),
        ("", "write a formula"),
        ("a + " * 200 + "a", "characters long"),
        ("+".join(["a"] * 60), "parts; keep it under"),
    ],
)
def test_refused_formulas_name_the_piece(text, named):
    with pytest.raises(FormulaError) as refused:
        formula.parse(text)
    assert named in str(refused.value)


def test_the_names_it_reads_are_listed_and_each_needs_a_value():
    parsed = formula.parse("precision * alerts_per_day - cost_usd + 3")
    assert parsed.names == {"precision", "alerts_per_day", "cost_usd"}
    with pytest.raises(FormulaError, match="no value for alerts_per_day, cost_usd"):
        parsed.evaluate({"precision": 1.0})
    with pytest.raises(FormulaError, match="not a number"):
        parsed.evaluate({"precision": "1", "alerts_per_day": 1.0, "cost_usd": 1.0})


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=120))
def test_any_text_parses_or_is_refused_in_words(text):
    try:
        parsed = formula.parse(text)
    except FormulaError as exc:
        assert str(exc)
        return
    values = dict.fromkeys(parsed.names, 1.5)
    result = parsed.evaluate(values)
    assert result is None or math.isfinite(result)


_ATOMS = st.one_of(
    st.sampled_from(["a", "b", "c", "0", "1", "0.0", "2.5", "1e12", "-1"]),
    st.integers(-(10**6), 10**6).map(str),
)


@st.composite
def _expressions(draw, depth=0):
    if depth > 4 or draw(st.booleans()):
        return draw(_ATOMS)
    kind = draw(st.sampled_from(["bin", "neg", "call", "pow", "paren"]))
    if kind == "bin":
        op = draw(st.sampled_from(["+", "-", "*", "/"]))
        return f"{draw(_expressions(depth + 1))} {op} {draw(_expressions(depth + 1))}"
    if kind == "neg":
        return f"-{draw(_expressions(depth + 1))}"
    if kind == "pow":
        return f"({draw(_expressions(depth + 1))}) ** {draw(st.sampled_from(['2', '-2', '0.5', '4', '-4', '3']))}"
    if kind == "call":
        name = draw(st.sampled_from(["min", "max", "abs"]))
        count = 1 if name == "abs" else draw(st.integers(2, 3))
        return f"{name}({', '.join(draw(_expressions(depth + 1)) for _ in range(count))})"
    return f"({draw(_expressions(depth + 1))})"


_NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-1e6, max_value=1e6),
    st.just(0.0),
    st.integers(-(10**30), 10**30),
)


@settings(max_examples=400, deadline=None)
@given(_expressions(), st.fixed_dictionaries({"a": _NUMBERS, "b": _NUMBERS, "c": _NUMBERS}))
def test_well_formed_formulas_evaluate_to_a_finite_number_or_undefined(text, values):
    try:
        parsed = formula.parse(text)
    except FormulaError:
        return  # too many parts, say: refused in words, fine
    try:
        result = parsed.evaluate(values)
    except FormulaError:
        return
    assert result is None or math.isfinite(result)
