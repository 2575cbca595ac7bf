"""A small, safe arithmetic language for value contracts: `precision * alerts_per_day * saving - cost_usd`.

Parsed with Python's `ast` and walked by hand, never `eval`: numbers, names, + - * /, unary minus, brackets,
`**` with a small constant exponent, and min(), max(), abs(). Anything else is refused with a message that
names the piece. Evaluating never raises anything but FormulaError; a division by zero or a result that is
not a finite number comes back as None ("undefined")."""

import ast
import math
from collections.abc import Mapping
from dataclasses import dataclass

MAX_LENGTH = 500
MAX_NODES = 100
MAX_EXPONENT = 4
MAX_LITERAL = 1e12
MAX_ARGS = 10
FUNCTIONS = {"min": min, "max": max, "abs": abs}
_BINARY = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow)
_SYMBOLS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}


class FormulaError(ValueError):
    """The formula cannot be accepted or evaluated; the message says which piece and why."""


@dataclass(frozen=True)
class Formula:
    """A parsed formula and the names it reads."""

    text: str
    tree: ast.Expression
    names: frozenset[str]

    def evaluate(self, values: Mapping[str, float]) -> float | None:
        """The value with `values` for the names; None when undefined (division by zero, not finite)."""
        missing = sorted(self.names - set(values))
        if missing:
            raise FormulaError(f"no value for {', '.join(missing)}.")
        try:
            result = _eval(self.tree.body, values)
        except (ZeroDivisionError, OverflowError):
            return None
        except (TypeError, ValueError) as exc:  # a value that is not a number
            raise FormulaError(f"a value is not a number ({exc}).") from exc
        if not isinstance(result, int | float) or isinstance(result, bool):
            raise FormulaError("the result is not a number.")
        result = float(result)
        return result if math.isfinite(result) else None


def _piece(node: ast.AST, text: str) -> str:
    segment = ast.get_source_segment(text, node) or type(node).__name__
    return segment if len(segment) <= 40 else segment[:37] + "..."


def parse(text: str) -> Formula:
    """Parse and check a formula; raise FormulaError naming the first piece that is not allowed."""
    if not isinstance(text, str):
        raise FormulaError("write the formula as text.")
    text = text.strip()
    if not text:
        raise FormulaError("write a formula, e.g. precision * alerts_per_day * saving_per_true_positive - cost_usd.")
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"the formula is {len(text)} characters long; keep it under {MAX_LENGTH}.")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise FormulaError(f"it does not read as a formula near column {exc.offset or 0}: {exc.msg}.") from None
    except (ValueError, MemoryError, RecursionError) as exc:
        raise FormulaError(f"it does not read as a formula ({type(exc).__name__}).") from None
    nodes = list(ast.walk(tree))
    if len(nodes) > MAX_NODES:
        raise FormulaError(f"the formula has {len(nodes)} parts; keep it under {MAX_NODES}.")
    names: set[str] = set()
    _check(tree.body, text, names)
    return Formula(text=text, tree=tree, names=frozenset(names))


def _check(node: ast.AST, text: str, names: set[str]) -> None:
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, int | float):
            raise FormulaError(f"“{_piece(node, text)}” is not a number; only numbers and names are allowed.")
        if abs(node.value) > MAX_LITERAL or not math.isfinite(node.value):
            raise FormulaError(f"the number “{_piece(node, text)}” is too large (at most {MAX_LITERAL:.0e}).")
        return
    if isinstance(node, ast.Name):
        if node.id in FUNCTIONS:
            raise FormulaError(f"“{node.id}” is a function: call it, e.g. {node.id}(a, b).")
        names.add(node.id)
        return
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        _check(node.operand, text, names)
        return
    if isinstance(node, ast.BinOp) and isinstance(node.op, _BINARY):
        if isinstance(node.op, ast.Pow):
            exponent = node.right
            if isinstance(exponent, ast.UnaryOp) and isinstance(exponent.op, ast.USub | ast.UAdd):
                exponent = exponent.operand
            if (
                not isinstance(exponent, ast.Constant)
                or isinstance(exponent.value, bool)
                or not isinstance(exponent.value, int | float)
                or abs(exponent.value) > MAX_EXPONENT
            ):
                raise FormulaError(
                    f"“{_piece(node, text)}”: raise only to a constant power between -{MAX_EXPONENT} and "
                    f"{MAX_EXPONENT}."
                )
        _check(node.left, text, names)
        _check(node.right, text, names)
        return
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            raise FormulaError(f"“{_piece(node, text)}”: the only functions are {', '.join(sorted(FUNCTIONS))}.")
        if node.keywords or any(isinstance(arg, ast.Starred) for arg in node.args):
            raise FormulaError(f"“{_piece(node, text)}”: give the function plain arguments.")
        wanted = (1, 1) if node.func.id == "abs" else (2, MAX_ARGS)
        if not wanted[0] <= len(node.args) <= wanted[1]:
            raise FormulaError(
                f"“{_piece(node, text)}”: {node.func.id} takes "
                + ("one argument." if node.func.id == "abs" else f"between 2 and {MAX_ARGS} arguments.")
            )
        for arg in node.args:
            _check(arg, text, names)
        return
    if isinstance(node, ast.BinOp | ast.UnaryOp):
        kind = f"the operator {type(node.op).__name__}"
    else:
        kind = _KINDS.get(type(node), type(node).__name__)
    raise FormulaError(
        f"“{_piece(node, text)}” is not allowed ({kind}); use numbers, names, + - * / ** ( ) and min, max, abs."
    )


_KINDS = {
    ast.Attribute: "an attribute",
    ast.Subscript: "a subscript",
    ast.Compare: "a comparison",
    ast.Lambda: "a lambda",
    ast.BoolOp: "and/or",
    ast.IfExp: "if/else",
    ast.List: "a list",
    ast.Tuple: "a tuple",
    ast.Dict: "a dict",
    ast.Set: "a set",
    ast.JoinedStr: "a string",
}


def _eval(node: ast.AST, values: Mapping[str, float]) -> float:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        value = values[node.id]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TypeError(f"{node.id} is {type(value).__name__}")
        return float(value)
    if isinstance(node, ast.UnaryOp):
        operand = _eval(node.operand, values)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp):
        left, right = _eval(node.left, values), _eval(node.right, values)
        if isinstance(node.op, ast.Add):
            return left + right
        if isinstance(node.op, ast.Sub):
            return left - right
        if isinstance(node.op, ast.Mult):
            return left * right
        if isinstance(node.op, ast.Div):
            return left / right
        result = float(left) ** right  # the exponent is a small constant (checked in parse)
        if isinstance(result, complex):  # a negative number to a fractional power
            raise ZeroDivisionError("undefined power")
        return result
    if isinstance(node, ast.Call):
        args = [_eval(arg, values) for arg in node.args]
        return FUNCTIONS[node.func.id](*args)
    raise FormulaError(f"cannot evaluate {type(node).__name__}.")  # parse() lets nothing else through


def evaluate(text: str, values: Mapping[str, float]) -> float | None:
    """Parse and evaluate in one go."""
    return parse(text).evaluate(values)
