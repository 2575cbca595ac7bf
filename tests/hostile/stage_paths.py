"""Every path that changes a version's stage, found by reading the code's syntax tree (RELIABILITY T23).

What it finds: every write of a stage (an assignment to `.stage`, `stage=` given to a write of the ORM, `setattr`,
`bulk_update` of "stage", SQL that updates or inserts versions), who calls the low-level writer and the gate
evaluation of lifecycle's services, and every caller elsewhere of the two public services that move a stage
(`model_version_transition`, `model_rollback`), with the stages each may target."""

import ast
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The product's packages (tests and the bench's generators are not paths a user or a task can take).
PACKAGES = (
    "audit",
    "config",
    "core",
    "dashboards",
    "governance",
    "compliance",
    "sourcing",
    "lifecycle",
    "monitoring",
    "notifications",
    "portfolio",
)
SERVICES = "lifecycle/services.py"
PUBLIC_MOVERS = {"model_version_transition", "model_rollback"}
PRIVATE_MOVERS = {"_transition", "_rollback", "_enter", "_move"}
ORM_WRITES = {"update", "create", "get_or_create", "update_or_create", "bulk_create", "ModelVersion"}


@dataclass
class Call:
    where: str  # "path::Qual.name"
    name: str
    line: int
    node: ast.Call


@dataclass
class Scan:
    stage_writes: list[tuple[str, int, str]] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    functions: dict[str, ast.AST] = field(default_factory=dict)
    defined: dict[str, set[str]] = field(default_factory=dict)  # module path -> names of its own functions

    def callers_of(self, name: str) -> set[str]:
        """Functions calling `name`, leaving out calls of a module's own function of the same name (e.g. a
        formatter called `_transition` elsewhere)."""
        return {
            c.where
            for c in self.calls
            if c.name == name
            and not (isinstance(c.node.func, ast.Name) and name in self.defined.get(c.where.split("::")[0], set()))
            or (c.name == name and c.where.startswith(SERVICES + "::"))
        }


def _callee(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def _is_stage_target(target: ast.AST) -> bool:
    if isinstance(target, ast.Attribute):
        return target.attr == "stage"
    if isinstance(target, ast.Tuple | ast.List):
        return any(_is_stage_target(t) for t in target.elts)
    return False


class _Visitor(ast.NodeVisitor):
    def __init__(self, scan: Scan, path: str) -> None:
        self.scan, self.path, self.stack = scan, path, []

    @property
    def where(self) -> str:
        return f"{self.path}::{'.'.join(self.stack) or '<module>'}"

    def _scope(self, node) -> None:
        if not self.stack and not isinstance(node, ast.ClassDef):
            self.scan.defined.setdefault(self.path, set()).add(node.name)
        self.stack.append(node.name)
        if not isinstance(node, ast.ClassDef):
            self.scan.functions[self.where] = node
        self.generic_visit(node)
        self.stack.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _scope

    def _write(self, node, what: str) -> None:
        self.scan.stage_writes.append((self.where, node.lineno, what))

    def visit_Assign(self, node: ast.Assign) -> None:
        if any(_is_stage_target(t) for t in node.targets):
            self._write(node, "assignment to .stage")
        self.generic_visit(node)

    def visit_AugAssign(self, node) -> None:
        if _is_stage_target(node.target):
            self._write(node, "assignment to .stage")
        self.generic_visit(node)

    visit_AnnAssign = visit_AugAssign

    def visit_Call(self, node: ast.Call) -> None:
        name = _callee(node)
        self.scan.calls.append(Call(self.where, name, node.lineno, node))
        if name in ORM_WRITES and any(k.arg == "stage" for k in node.keywords):
            self._write(node, f"{name}(stage=...)")
        if name in ORM_WRITES and any(
            k.arg == "defaults" and isinstance(k.value, ast.Dict) and _has_stage_key(k.value) for k in node.keywords
        ):
            self._write(node, f"{name}(defaults={{'stage': ...}})")
        if name == "setattr" and len(node.args) > 1 and _constant(node.args[1]) == "stage":
            self._write(node, "setattr(..., 'stage', ...)")
        if name == "bulk_update" and any(
            "stage" in _constants(a) for a in node.args[1:] + [k.value for k in node.keywords]
        ):
            self._write(node, "bulk_update(..., ['stage'])")
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str):
            text = " ".join(node.value.lower().split())
            if "update lifecycle_modelversion" in text or "into lifecycle_modelversion" in text:
                self._write(node, "SQL writing lifecycle_modelversion")


def _constant(node) -> object:
    return node.value if isinstance(node, ast.Constant) else None


def _constants(node) -> set:
    return {n.value for n in ast.walk(node) if isinstance(n, ast.Constant)}


def _has_stage_key(node: ast.Dict) -> bool:
    return any(_constant(k) == "stage" for k in node.keys)


def scan() -> Scan:
    result = Scan()
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" in relative:
                continue
            _Visitor(result, relative).visit(ast.parse(path.read_text(), filename=relative))
    return result


def stages_targeted(call: Call, function: ast.AST) -> set[str] | None:
    """The Stage members a call to a public mover may target, read from its `to_stage` (a `Stage.X`, or a local
    name assigned only from `Stage.X` expressions); None when it cannot be told (it may be anything: production
    included). A rollback always targets production."""
    if call.name == "model_rollback":
        return {"PRODUCTION"}
    value = next((k.value for k in call.node.keywords if k.arg == "to_stage"), None)
    if value is None:
        return None
    return _stage_members(value, function)


def _stage_members(value: ast.AST, function: ast.AST) -> set[str] | None:
    if isinstance(value, ast.Attribute) and isinstance(value.value, ast.Name) and value.value.id == "Stage":
        return {value.attr}
    if isinstance(value, ast.IfExp):
        body, orelse = _stage_members(value.body, function), _stage_members(value.orelse, function)
        return None if body is None or orelse is None else body | orelse
    if isinstance(value, ast.Name):
        assigned = [
            node.value
            for node in ast.walk(function)
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == value.id for t in node.targets)
        ]
        if not assigned:
            return None  # a parameter, a loop variable, form data: anything
        found: set[str] = set()
        for expression in assigned:
            members = _stage_members(expression, function)
            if members is None:
                return None
            found |= members
        return found
    return None
