"""Everything a client can call, read from the code itself: the OpenAPI schema and the URL resolver.

Nothing here is a hand-kept list of endpoints: an operation or page added by any app appears on its own, and the
tests then fail until the policy (tests/hostile/policy.py) says what each principal may do with it.
"""

import re
from dataclasses import dataclass
from functools import cache

from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.generators import SchemaGenerator

SAFE = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    path: str  # "/api/v1/use-cases/{id}/"

    @property
    def safe(self) -> bool:
        return self.method in SAFE

    def url(self, pk=None) -> str:
        return self.path.replace("{id}", str(pk)) if "{id}" in self.path else self.path

    def __str__(self) -> str:
        return f"{self.method} {self.path} ({self.operation_id})"


@dataclass(frozen=True)
class Page:
    name: str  # "portfolio:usecase_detail"
    route: str  # "portfolio/use-cases/<int:pk>/"

    @property
    def params(self) -> list[str]:
        return re.findall(r"<(?:\w+:)?(\w+)>", self.route)

    def url(self, pk=None) -> str:
        return "/" + re.sub(r"<(?:\w+:)?\w+>", str(1 if pk is None else pk), self.route)

    def __str__(self) -> str:
        return f"/{self.route} ({self.name})"


@cache
def schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


@cache
def api_operations() -> tuple[Operation, ...]:
    return tuple(
        Operation(op["operationId"], method.upper(), path)
        for path, methods in schema()["paths"].items()
        for method, op in methods.items()
    )


def _walk(patterns, prefix="", namespace=""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, route, inner)
        elif isinstance(pattern, URLPattern):
            yield Page(f"{namespace}{pattern.name}" if pattern.name else f"<unnamed {route}>", route)


def url_routes() -> tuple[Page, ...]:
    """Every URL pattern of the project, with its full route and namespaced name."""
    return tuple(_walk(get_resolver().url_patterns))


@cache
def pages(excluded_prefixes: tuple[str, ...]) -> tuple[Page, ...]:
    """The server-rendered pages: every route minus the excluded prefixes (admin, the API, its docs)."""
    return tuple(p for p in url_routes() if not p.route.startswith(excluded_prefixes))


def _paged(op: dict) -> bool:
    content = op.get("responses", {}).get("200", {}).get("content", {})
    ref = content.get("application/json", {}).get("schema", {}).get("$ref", "")
    return ref.rsplit("/", 1)[-1].startswith("Paginated")


@cache
def list_operations() -> tuple[Operation, ...]:
    """The paged reads: every GET operation answering a page (`count`, `results`, `?page_size=`)."""
    return tuple(op for op in api_operations() if op.method == "GET" and _paged(schema()["paths"][op.path]["get"]))
