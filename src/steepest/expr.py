"""Safe expressions: a string such as "x**2 + 5*sin(x)" or "max(0, w*x + b)" made into a function
that steepest can differentiate.

The text is parsed by Python's `ast` (eval mode) and checked, node by node, against a short
whitelist: numbers, variables, + - * / ** and unary -, the functions sin cos tan exp log sqrt abs
tanh sigmoid relu max min, and the constants pi and e. It is never given to eval, exec or compile:
every allowed node becomes a small closure over steepest's own ops, so the function works on
floats, arrays and Tensors alike and its gradient comes from the engine. Anything else gets an
`ExprError` whose one-line message names the column (`err.col`), and nothing is run.

    >>> import steepest as st
    >>> f = st.parse("x**2 + 5*sin(x)")
    >>> f.variables
    ('x',)
    >>> round(f(-1.1), 4)
    -3.246
    >>> J = st.parse("(y - max(0, w*x + b))**2")
    >>> J.variables                   # alphabetical unless named: parse(text, variables=[...])
    ('b', 'w', 'x', 'y')
    >>> J(1.0, 1.0, 5.0, 4.0)         # a point by values, or as one array J([1, 1, 5, 4])
    4.0
"""

from __future__ import annotations

import ast
import inspect
import math
import re
import threading
import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from steepest.ops import elementwise as ew
from steepest.tensor import Tensor

__all__ = ["parse", "Expression", "ExprError", "FUNCTIONS", "CONSTANTS", "MAX_LENGTH", "MAX_DEPTH"]

MAX_LENGTH = 2000  # characters
MAX_DEPTH = 100  # real nesting (parentheses, calls, powers, signs); a flat a + b - c + ... is one level
MAX_NODES = 2000
_WARNINGS_LOCK = threading.Lock()

# name -> (op, number of arguments); None: two or more, folded left to right
FUNCTIONS: dict[str, tuple[Callable[..., Any], int | None]] = {
    "sin": (ew.sin, 1), "cos": (ew.cos, 1), "tan": (ew.tan, 1), "exp": (ew.exp, 1), "log": (ew.log, 1),
    "sqrt": (ew.sqrt, 1), "abs": (ew.abs_, 1), "tanh": (ew.tanh, 1), "sigmoid": (ew.sigmoid, 1),
    "relu": (ew.relu, 1), "max": (ew.maximum, None), "min": (ew.minimum, None),
}
CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e}

_BINARY: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: ew.add, ast.Sub: ew.sub, ast.Mult: ew.mul, ast.Div: ew.div, ast.Pow: ew.power,
}
# operators of one precedence that Python chains to the left: a + b - c is ((a + b) - c), a tree
# as deep as the chain is long, though nothing in it is nested; such chains are walked as lists
_CHAINS: dict[type, int] = {ast.Add: 1, ast.Sub: 1, ast.Mult: 2, ast.Div: 2}
_SYMBOL: dict[type, str] = {
    ast.BitXor: "^", ast.BitAnd: "&", ast.BitOr: "|", ast.FloorDiv: "//", ast.Mod: "%",
    ast.MatMult: "@", ast.LShift: "<<", ast.RShift: ">>",
}
_WHAT: dict[type, str] = {
    ast.Attribute: "attribute access (a.b)", ast.Subscript: "indexing (a[i])", ast.Compare: "comparisons",
    ast.BoolOp: "and/or", ast.IfExp: "if/else", ast.Lambda: "lambda", ast.Tuple: "tuples (a, b)",
    ast.List: "lists", ast.Dict: "dicts", ast.Set: "sets", ast.JoinedStr: "f-strings",
    ast.NamedExpr: "assignment (:=)", ast.Starred: "*arguments", ast.Await: "await",
    ast.ListComp: "comprehensions", ast.GeneratorExp: "comprehensions", ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions", ast.Yield: "yield", ast.YieldFrom: "yield",
}
ALLOWED = ("numbers, variables, + - * / ** and unary -, functions "
           f"{' '.join(FUNCTIONS)}, constants {' '.join(CONSTANTS)}")


class ExprError(ValueError):
    """A string that is not a valid expression: `msg`, the 0-based column `col`, the `text`.

    `str(err)` is one line; `err.pointer()` is the text with a caret under the column.
    """

    def __init__(self, msg: str, text: str, col: int):
        self.msg, self.text, self.col = msg, text, max(0, min(col, len(text)))
        super().__init__(f"column {self.col + 1}: {msg}")

    def pointer(self, indent: str = "  ") -> str:
        """The expression and a caret under the offending column, two lines."""
        return f"{indent}{self.text}\n{indent}{' ' * self.col}^"


def _natural(name: str) -> tuple:
    """Sort key that puts x2 before x10."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", name))


class Expression:
    """A parsed expression: call it with one value per variable, or with one point (an (n,) array).

    Plain numbers or arrays in give plain numbers or arrays out; Tensors in give a Tensor
    out, with the graph recorded, so `st.grad`, `st.minimize` and `.backward()` all work on it.

    Attributes:
        text: the expression as written.
        variables: the variable names, in the order the function takes them.
    """

    def __init__(self, text: str, variables: tuple[str, ...], fn: Callable[[tuple], Any]):
        self.text = text
        self.variables = variables
        self._fn = fn
        params = [inspect.Parameter(v, inspect.Parameter.POSITIONAL_OR_KEYWORD) for v in variables]
        self.__signature__ = inspect.Signature(params)

    def __repr__(self) -> str:
        return f"Expression({self.text!r}, variables={self.variables!r})"

    def __str__(self) -> str:
        return self.text

    def _bind(self, args: tuple, kwargs: dict) -> tuple:
        names, n = self.variables, len(self.variables)
        if kwargs:
            unknown = sorted(set(kwargs) - set(names))
            if unknown:
                raise TypeError(f"{self.text!r}: unknown variable {unknown[0]!r}; "
                                f"variables: {', '.join(names)}")
            given = dict(zip(names, args, strict=False))
            given.update(kwargs)
            missing = [v for v in names if v not in given]
            if missing or len(args) > n:
                raise TypeError(f"{self.text!r}: give a value for each of {', '.join(names)} "
                                f"(missing {', '.join(missing) or 'none'})")
            return tuple(_operand(given[v]) for v in names)
        if len(args) == n:
            return tuple(_operand(a) for a in args)
        if len(args) == 1 and n > 1:  # one point holding every variable along its first axis
            point = args[0] if isinstance(args[0], Tensor) else np.asarray(args[0], dtype=float)
            if point.ndim == 0 or point.shape[0] != n:
                raise TypeError(f"{self.text!r} takes {n} values ({', '.join(names)}): "
                                f"got one point of shape {tuple(point.shape)}")
            return tuple(point[i] for i in range(n))
        want = f"{n} value{'s' if n != 1 else ''} ({', '.join(names)})" if n else "no values"
        raise TypeError(f"{self.text!r} takes {want}{' or one point of ' + str(n) if n > 1 else ''}, "
                        f"got {len(args)}")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        values = self._bind(args, kwargs)
        out = self._fn(values)
        if any(isinstance(v, Tensor) for v in values):
            return out if isinstance(out, Tensor) else Tensor(out)
        out = out.data if isinstance(out, Tensor) else np.asarray(out, dtype=float)
        return float(out) if out.ndim == 0 else out


def _operand(v: Any) -> Any:
    """A value for a variable: Tensors and arrays as they are, numbers as NumPy float64 (so 1/0 is inf)."""
    if isinstance(v, Tensor | np.ndarray | np.floating):
        return v
    if isinstance(v, int | float | np.integer):
        return np.float64(v)
    return np.asarray(v, dtype=float)


class _Compiler:
    """Checks each node against the whitelist and turns it into a closure `fn(values)`."""

    def __init__(self, text: str, index: dict[str, int]):
        self.text = text
        self.index = index

    def fail(self, node: ast.AST, msg: str, col: int | None = None) -> ExprError:
        return ExprError(msg, self.text, getattr(node, "col_offset", 0) if col is None else col)

    def build(self, node: ast.AST) -> Callable[[tuple], Any]:
        kind = type(node)
        if kind is ast.Constant:
            return self.constant(node)
        if kind is ast.Name:
            return self.name(node)
        if kind is ast.BinOp:
            return self.binary(node)
        if kind is ast.UnaryOp:
            return self.unary(node)
        if kind is ast.Call:
            return self.call(node)
        what = _WHAT.get(kind, type(node).__name__)
        raise self.fail(node, f"{what} not allowed; allowed: {ALLOWED}")

    def constant(self, node: ast.Constant) -> Callable[[tuple], Any]:
        v = node.value
        if isinstance(v, bool) or not isinstance(v, int | float):
            kind = "booleans" if isinstance(v, bool) else f"{type(v).__name__} values"
            raise self.fail(node, f"{kind} are not allowed, only real numbers")
        try:
            c = float(v)
        except OverflowError:
            c = math.inf
        if not math.isfinite(c):
            raise self.fail(node, "number too large for a float64")
        return lambda values: c

    def name(self, node: ast.Name) -> Callable[[tuple], Any]:
        if node.id in self.index:
            i = self.index[node.id]
            return lambda values: values[i]
        if node.id in CONSTANTS:
            c = CONSTANTS[node.id]
            return lambda values: c
        if node.id in FUNCTIONS:
            raise self.fail(node, f"{node.id} is a function: call it, as in {node.id}(x)")
        raise self.fail(node, f"unknown variable {node.id!r}; variables: {', '.join(self.index) or 'none'}")

    def op_column(self, node: ast.BinOp) -> int:
        """Where the operator of a binary operation sits (ast only knows where its operands start)."""
        start, stop = node.left.end_col_offset or 0, node.right.col_offset
        for i in range(start, stop):
            if self.text[i] not in " ()":
                return i
        return node.col_offset

    def binary(self, node: ast.BinOp) -> Callable[[tuple], Any]:
        kind = type(node.op)
        if kind not in _BINARY:
            symbol = _SYMBOL.get(kind, kind.__name__)
            hint = "; for a power write x**2" if kind is ast.BitXor else ""
            raise self.fail(node, f"operator {symbol} is not allowed{hint}; allowed: + - * / **",
                            self.op_column(node))
        chain, family = [node], _chain_of(node)  # a + b - c + d: the left spine, outermost first
        while family is not None and _chain_of(chain[-1].left) == family:
            chain.append(chain[-1].left)  # walked as a list: no recursion for a long flat sum
        first = self.build(chain[-1].left)
        steps = [(_BINARY[type(link.op)], self.build(link.right)) for link in reversed(chain)]

        def apply(values: tuple) -> Any:
            x = first(values)
            for op, right in steps:  # left to right, as Python reads a - b - c
                y = right(values)
                if type(x) is float and type(y) is float:  # two constants: NumPy's 0/0 = nan, not an error
                    x = np.float64(x)
                x = op(x, y)
            return x

        return apply

    def unary(self, node: ast.UnaryOp) -> Callable[[tuple], Any]:
        inner = self.build(node.operand)
        if isinstance(node.op, ast.USub):
            return lambda values: ew.neg(inner(values))
        if isinstance(node.op, ast.UAdd):
            return inner
        symbol = "not" if isinstance(node.op, ast.Not) else "~"
        raise self.fail(node, f"operator {symbol} is not allowed; allowed: unary - and +")

    def call(self, node: ast.Call) -> Callable[[tuple], Any]:
        if isinstance(node.func, ast.Constant | ast.BinOp | ast.UnaryOp):  # 2(x + 1), (a + b)(c)
            raise self.fail(node.func, "a value followed by (...): write a*(...) for a product",
                            node.func.end_col_offset or 0)
        if not isinstance(node.func, ast.Name):
            raise self.fail(node.func, f"only these functions can be called: {' '.join(FUNCTIONS)}")
        name = node.func.id
        if name not in FUNCTIONS:
            what = "a variable" if name in self.index else "not an allowed function"
            raise self.fail(node.func, f"{name} is {what}; functions: {' '.join(FUNCTIONS)}"
                            + ("; for a product write x*(...)" if name in self.index else ""))
        if node.keywords:
            raise self.fail(node.keywords[0], f"{name}() takes no keyword arguments")
        op, arity = FUNCTIONS[name]
        n = len(node.args)
        if (arity is None and n < 2) or (arity is not None and n != arity):
            want = "two or more arguments, as in max(0, x)" if arity is None else "one argument"
            raise self.fail(node, f"{name}() takes {want}; got {n}")
        args = [self.build(a) for a in node.args]
        if arity == 1:
            (arg,) = args
            return lambda values: op(arg(values))

        def fold(values: tuple) -> Any:  # max(a, b, c) = max(max(a, b), c)
            out = args[0](values)
            for a in args[1:]:
                out = op(out, a(values))
            return out

        return fold


def _check_text(text: str) -> str:
    if not isinstance(text, str):
        raise TypeError(f"parse: expected a string, got {type(text).__name__}")
    text = text.strip().replace("\t", " ")
    if not text:
        raise ExprError("empty expression", text, 0)
    if len(text) > MAX_LENGTH:
        raise ExprError(f"expression longer than {MAX_LENGTH} characters", text[:60] + "...", 60)
    for i, ch in enumerate(text):
        if not " " <= ch <= "~":
            raise ExprError(f"character {ch!r} is not allowed (plain ASCII only)", text, i)
    depth = 0
    for i, ch in enumerate(text):  # before ast.parse, which has limits of its own
        depth += (ch == "(") - (ch == ")")
        if depth > MAX_DEPTH:
            raise ExprError(f"parentheses nested deeper than {MAX_DEPTH}", text, i)
    return text


def _syntax_error(err: SyntaxError, text: str) -> ExprError:
    col = (err.offset or 1) - 1
    msg = err.msg or "invalid syntax"
    if not err.offset:  # Python points nowhere when the text stops in the middle ("1 +")
        col, msg = len(text), "the expression ends too early"
    product = re.search(r"\d(?:\.\d*)?(?=[A-Za-z_(])", text)
    if product and ("literal" in msg or "invalid syntax" in msg):
        col = product.end()
        msg = f"a number followed by a name: write {product.group()}*{text[col]} for a product"
    elif "=" in text and "==" not in text:
        msg = "assignment (=) is not allowed: write only the right-hand side"
        col = text.index("=")
    return ExprError(f"syntax error: {msg}", text, col)


def _chain_of(node: ast.AST) -> int | None:
    """Which left-chaining family (+ - or * /) a binary operation belongs to, if any."""
    return _CHAINS.get(type(node.op)) if isinstance(node, ast.BinOp) else None


def _check_shape(tree: ast.AST, text: str) -> list[str]:
    """Depth and size caps, walked without recursion; returns the names in order of appearance.

    Depth counts real nesting: the left operand of a + (or -) that is itself a + or - continues
    the same flat chain and stays at its depth (likewise * and /); every other child is one deeper.
    """
    names: list[str] = []
    callees: set[int] = set()  # a called name is a function, not a variable
    stack = [(tree, 0)]
    count = 0
    while stack:
        node, depth = stack.pop()
        count += 1
        if depth > MAX_DEPTH or count > MAX_NODES:
            why = f"nested deeper than {MAX_DEPTH}" if depth > MAX_DEPTH else f"more than {MAX_NODES} parts"
            raise ExprError(f"expression {why}", text, getattr(node, "col_offset", 0))
        if isinstance(node, ast.Call):
            callees.add(id(node.func))
        if isinstance(node, ast.Name) and node.id not in names and id(node) not in callees:
            names.append(node.id)
        family = _chain_of(node)
        for child in reversed(list(ast.iter_child_nodes(node))):
            flat = family is not None and child is node.left and _chain_of(child) == family
            stack.append((child, depth if flat else depth + 1))
    return names


def _variables(names: list[str], given: Sequence[str] | None, text: str) -> tuple[str, ...]:
    if given is None:
        found = [n for n in names if n not in FUNCTIONS and n not in CONSTANTS]
        chosen = tuple(sorted(found, key=_natural))
    else:
        chosen = tuple([given] if isinstance(given, str) else given)
    for v in chosen:
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", v) or v in FUNCTIONS:
            raise ExprError(f"{v!r} cannot be a variable name (a letter, then letters, digits or _;"
                            " not a function name)", text, text.find(v) if v in text else 0)
    if len(set(chosen)) != len(chosen):
        raise ValueError(f"parse: variables named twice in {list(chosen)}")
    return chosen


def parse(text: str, variables: Sequence[str] | Iterable[str] | str | None = None) -> Expression:
    """Parse a formula into a differentiable function of its variables.

    Args:
        text: the formula, in Python syntax: "9*x1**2 + x2**2", "(x+y)*z", "max(0, w*x + b)".
            Allowed: numbers, variables, + - * / ** and unary -, sin cos tan exp log sqrt abs tanh
            sigmoid relu max min, pi and e. `^` is refused (write `**`).
        variables: the variable names in the order the function takes them; by default every
            name in the text that is not a function or a constant, alphabetically (x2 before x10).
            Naming `e` here makes it a variable rather than Euler's number.
    Returns:
        An Expression: `f(1.0, 2.0)`, `f([1.0, 2.0])`, `f(x=1.0, y=2.0)`; `f.variables`.
    Raises:
        ExprError (a ValueError) with the column of the first problem; nothing is evaluated.

    Example:
        >>> import steepest as st
        >>> f = st.parse("9*x1**2 + x2**2")
        >>> p = st.tensor([1.0, 2.0], requires_grad=True)
        >>> f(p).backward(); p.grad
        tensor([18.,  4.])
    """
    if isinstance(text, Expression):
        return text if variables is None else parse(text.text, variables)
    text = _check_text(text)
    try:
        # "2(x)" parses with a SyntaxWarning (the compiler explains it). catch_warnings swaps the
        # process's filters: the lock keeps two threads' parses from restoring each other's
        with _WARNINGS_LOCK, warnings.catch_warnings():
            warnings.simplefilter("ignore", SyntaxWarning)
            tree = ast.parse(text, mode="eval")
    except SyntaxError as err:
        raise _syntax_error(err, text) from None
    except (RecursionError, MemoryError, ValueError):
        raise ExprError("expression too complex to parse", text, 0) from None
    names = _check_shape(tree, text)
    chosen = _variables(names, variables, text)
    fn = _Compiler(text, {v: i for i, v in enumerate(chosen)}).build(tree.body)
    return Expression(text, chosen, fn)
