"""The widgets' message types, declared once: in the Python handlers themselves.

Design (the simplest that cannot drift): a ``@request("page")`` handler's signature *is* the
declaration of the ``page`` request. Its parameters' annotations type the request's params,
its return annotation types the result, and the widget's synced traits (with an optional
``ts=`` tag naming a richer type) type the model state. From these:

- the kernel checks every incoming request against the handler's annotations before calling
  it (``check_params``): an unknown key, a missing one or a value of the wrong JSON type comes
  back as an error reply naming the request;
- ``typescript()`` writes ``js/src/common/messages.ts`` (``python scripts/gen_messages.py``),
  which the views import, so ``tsc`` checks the browser side against the same declaration;
  a test fails while the committed file differs from what the handlers say.

Only JSON-shaped annotations are allowed (``int``, ``float``, ``str``, ``bool``, ``None``,
``Any``, unions, ``Literal``, ``list``/``Sequence``/``Iterable``, ``dict[str, X]`` and
TypedDicts); ``typescript()`` raises on anything else, so a new handler with an annotation
the browser cannot send is caught by the staleness test.
"""

from __future__ import annotations

import collections.abc
import functools
import inspect
import types
import typing
from typing import (
    Any,
    Literal,
    NotRequired,
    Required,
    TypedDict,
    Union,
    get_args,
    get_origin,
    get_type_hints,
)

import traitlets

# -- shapes shared by several widgets (results and structured traits) -------------------------


class GridRow(TypedDict):
    """One row of the task grid (``Project.task_rows`` plus what the widget adds)."""

    id: int
    title: str
    kind: str
    type: str  # "text" | "pdf" | "image"
    status: str
    n_predictions: int
    n_completions: int
    last_preannotated: str | None
    error: str | None
    selected: bool
    # present once the store reports review signals: the least confident result of the
    # latest prediction (0..1, None without one) and why a task deserves a look
    confidence: NotRequired[float | None]
    review_flags: NotRequired[list[str]]


class GridPage(TypedDict):
    total: int
    offset: int
    rows: list[GridRow]


class GridQuery(TypedDict, total=False):
    sort: str
    descending: bool
    status: list[str]
    kind: list[str]
    search: str
    review: str


class Count(TypedDict):
    count: int


class ServerResource(TypedDict, total=False):
    name: str
    kind: str
    version: str | None


class ServerBackend(TypedDict, total=False):
    backend: str  # "inline" | "process" | "dask" ...
    workers: int | None
    reason: str | None


class ServerFit(TypedDict, total=False):
    status: str  # "fits" | "stale" | "other project"
    summary: str


class ServerJob(TypedDict, total=False):
    done: int
    total: int


class ServerRow(TypedDict, total=False):
    """A server's ``describe()`` dict as the widgets receive it (JSON-able)."""

    name: str
    status: str
    status_reason: str | None
    resources: list[ServerResource]
    labels: list[str]
    usage: str | None
    fit: ServerFit
    backend: ServerBackend
    job: ServerJob | None
    memory_mb: float | None
    deployed_by: str | None
    deployed_at: str | None
    # where the server lives: in this kernel, or on a Dask cluster (with its dashboard)
    location: str | None
    workers: int | None
    dashboard: str | None


class HubResource(TypedDict, total=False):
    """A hub resource as the config builder lists it."""

    name: str
    kind: str
    labels: list[str]
    version: str | None
    language: str | None
    description: str | None


class LabelRow(TypedDict, total=False):
    value: str
    model: str | None
    background: str | None
    hotkey: str | None
    assertion: bool
    control: str | None
    tag: str | None


class ChoicesRow(TypedDict, total=False):
    name: str
    values: list[str]
    choice: str
    per_region: bool
    model: str


class RelationRow(TypedDict, total=False):
    value: str
    allowed: list[str]
    model: str


class Problem(TypedDict, total=False):
    code: str
    message: str
    severity: str  # "error" | "warning"
    labels: list[str]
    tasks: list[int]


class Capacity(TypedDict, total=False):
    """What a deploy from the project's config would take (``check_deploy``)."""

    can_deploy: bool
    reason: str | None
    servers_used: int
    max_servers: int
    memory_used_mb: float
    memory_budget_mb: float
    planned_mb: float
    needed_mb: float


class Progress(TypedDict, total=False):
    state: str
    done: int
    total: int
    errors: int
    rate: float
    reading_text: str


class Confirm(TypedDict, total=False):
    """A question waiting for the user before a stale server runs or is replaced."""

    action: str  # "start" | "replace"
    server: str
    message: str
    can_run: bool


# -- checking incoming params ----------------------------------------------------------------

_SEQUENCES = (list, collections.abc.Sequence, collections.abc.Iterable, collections.abc.Collection)


def _is_typeddict(hint: Any) -> bool:
    return isinstance(hint, type) and typing.is_typeddict(hint)


def _fields(td: Any) -> tuple[dict[str, Any], frozenset[str]]:
    """A TypedDict's field types (NotRequired stripped) and its required keys.

    Computed from the evaluated hints: under ``from __future__ import annotations`` Python
    3.11 cannot see ``NotRequired`` when it builds ``__required_keys__``.
    """
    hints = get_type_hints(td, include_extras=True)
    fields: dict[str, Any] = {}
    required = set()
    for key, hint in hints.items():
        origin = get_origin(hint)
        if origin in (NotRequired, Required):
            hint = get_args(hint)[0]
        if origin is Required or (td.__total__ and origin is not NotRequired):
            required.add(key)
        fields[key] = hint
    return fields, frozenset(required)


def conforms(value: Any, hint: Any) -> bool:
    """Whether a JSON value fits a (JSON-shaped) annotation."""
    if hint is Any or hint is object:
        return True
    if hint is None or hint is type(None):
        return value is None
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        return any(conforms(value, arg) for arg in get_args(hint))
    if origin is Literal:
        return value in get_args(hint)
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if hint is str:
        return isinstance(value, str)
    if origin in _SEQUENCES or hint is list:
        args = get_args(hint)
        return isinstance(value, list) and all(conforms(v, args[0]) for v in value) if args \
            else isinstance(value, list)
    if origin is dict or hint is dict:
        args = get_args(hint)
        return isinstance(value, dict) and (not args or all(conforms(v, args[1]) for v in value.values()))
    if _is_typeddict(hint):
        if not isinstance(value, dict):
            return False
        fields, required = _fields(hint)
        return (required <= value.keys() and value.keys() <= fields.keys()
                and all(conforms(v, fields[k]) for k, v in value.items()))
    raise TypeError(f"annotation {hint!r} is not JSON-shaped")


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "boolean", int: "number", float: "number", str: "string", list: "array",
            dict: "object"}.get(type(value), type(value).__name__)


@functools.lru_cache(maxsize=512)
def _declared(function: Any) -> tuple[inspect.Signature, dict[str, Any]]:
    """A handler's signature and evaluated annotations (evaluated once per handler)."""
    return inspect.signature(function), get_type_hints(function)


def check_params(kind: str, method: Any, params: dict[str, Any]) -> None:
    """Raise TypeError naming the request when ``params`` do not fit the handler's signature."""
    signature, hints = _declared(getattr(method, "__func__", method))
    try:
        signature.bind(*(() if not hasattr(method, "__self__") else (method.__self__,)), **params)
    except TypeError as exc:
        raise TypeError(f"bad {kind!r} request: {exc}") from None
    for name, value in params.items():
        hint = hints.get(name, Any)
        if name == "buffers" or conforms(value, hint):
            continue
        raise TypeError(f"bad {kind!r} request: {name} must be {ts_type(hint, {})}, "
                        f"not {_json_type(value)} {value!r:.60}")


# -- TypeScript ------------------------------------------------------------------------------


def ts_type(hint: Any, named: dict[str, Any]) -> str:
    """The TypeScript spelling of an annotation; TypedDicts are collected into ``named``."""
    if hint is Any or hint is object:
        return "unknown"
    if hint is None or hint is type(None):
        return "null"
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        parts = [ts_type(arg, named) for arg in get_args(hint)]
        return " | ".join(dict.fromkeys(parts))
    if origin is Literal:
        return " | ".join(_ts_literal(v) for v in get_args(hint))
    if hint is bool:
        return "boolean"
    if hint in (int, float):
        return "number"
    if hint is str:
        return "string"
    if origin in _SEQUENCES or hint is list or origin is tuple:
        args = get_args(hint)
        inner = ts_type(args[0], named) if args else "unknown"
        return f"({inner})[]" if " " in inner else f"{inner}[]"
    if origin is dict or hint is dict:
        args = get_args(hint)
        return f"Record<string, {ts_type(args[1], named) if args else 'unknown'}>"
    if _is_typeddict(hint):
        named.setdefault(hint.__name__, hint)
        return str(hint.__name__)
    if getattr(hint, "__name__", "") == "Reply":  # binary replies: the view reads the buffers
        return "unknown"
    raise TypeError(f"annotation {hint!r} is not JSON-shaped")


def _ts_literal(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, (int, float)) else '"' + str(value) + '"'


def _trait_ts(trait: traitlets.TraitType[Any, Any], named: dict[str, Any]) -> str:
    hint = trait.metadata.get("ts")
    if hint is not None:
        base = ts_type(hint, named)
    elif isinstance(trait, traitlets.Unicode):
        base = "string"
    elif isinstance(trait, (traitlets.Int, traitlets.Float)):
        base = "number"
    elif isinstance(trait, traitlets.Bool):
        base = "boolean"
    elif isinstance(trait, traitlets.List):
        inner = _trait_ts(trait._trait, named) if getattr(trait, "_trait", None) else "unknown"
        base = f"{inner}[]"
    elif isinstance(trait, traitlets.Dict):
        base = "Record<string, unknown>"
    else:
        raise TypeError(f"trait {trait!r} has no TypeScript type; tag it ts=<annotation>")
    return f"{base} | null" if trait.allow_none and "null" not in base else base


def _interface(name: str, td: Any, named: dict[str, Any]) -> list[str]:
    fields, required = _fields(td)
    lines = [f"export interface {name} {{"]
    for key, hint in fields.items():
        optional = "" if key in required else "?"
        lines.append(f"  {key}{optional}: {ts_type(hint, named)};")
    return [*lines, "}"]


def _widget_block(name: str, cls: Any, named: dict[str, Any]) -> list[str]:
    lines = [f"/** Requests of {name} (widgets/{inspect.getmodule(cls).__name__.rsplit('.', 1)[-1]}.py). */",  # type: ignore[union-attr]
             f"export interface {name}Requests {{"]
    for kind, attr in sorted(cls._rpc_handlers.items()):
        method = getattr(cls, attr)
        hints = get_type_hints(method)
        params = []
        for pname, param in inspect.signature(method).parameters.items():
            if pname in ("self", "buffers"):
                continue
            optional = "?" if param.default is not inspect.Parameter.empty else ""
            params.append(f"{pname}{optional}: {ts_type(hints.get(pname, Any), named)}")
        result = ts_type(hints.get("return", Any), named)
        shape = "{ " + "; ".join(params) + " }" if params else "Record<string, never>"
        lines.append(f"  {kind}: {{ params: {shape}; result: {result} }};")
    lines += ["}", "", f"/** Synced traits of {name}. */", f"export interface {name}State {{"]
    base = set(_base_traits())
    for tname, trait in sorted(cls.class_traits(sync=True).items()):
        if tname in base:
            continue
        lines.append(f"  {tname}: {_trait_ts(trait, named)};")
    return [*lines, "}", ""]


def _base_traits() -> list[str]:
    import anywidget  # the widget framework's own traits are not the lab's state

    names = list(anywidget.AnyWidget.class_traits(sync=True))
    return [*names, "_esm", "_css", "_anywidget_id"]


def typescript(widgets: dict[str, Any]) -> str:
    """The text of ``messages.ts`` for ``{"TaskGrid": TaskGrid, ...}``."""
    named: dict[str, Any] = {}
    blocks: list[str] = []
    for name, cls in widgets.items():
        blocks += _widget_block(name, cls, named)
    interfaces: list[str] = []
    done: set[str] = set()
    while len(done) < len(named):  # interfaces may name further TypedDicts
        for tname, td in sorted(named.items()):
            if tname not in done:
                done.add(tname)
                interfaces += [*_interface(tname, td, named), ""]
    header = [
        "// Generated by scripts/gen_messages.py from the widgets' @request handlers and synced",
        "// traits (preannotate_lab/widgets/_messages.py explains the design). Do not edit:",
        "// change the Python handler, then run `python scripts/gen_messages.py`.",
        "",
        "/** Traits every widget has (RpcWidget). */",
        "export interface BaseState {",
        "  message: string;",
        "  message_level: string;",
        "}",
        "",
    ]
    return "\n".join(header + interfaces + blocks).rstrip() + "\n"
