"""The message types are declared once (the handlers' signatures) and checked on both sides:
the kernel rejects a request that does not fit, and the browser's messages.ts is generated
from the same declaration (stale file: this test fails)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import traitlets
from widgets_fixtures import frontend_request, recording  # noqa: F401 - the fixture

from preannotate_lab.widgets import widget_classes
from preannotate_lab.widgets._messages import GridQuery, conforms, ts_type, typescript
from preannotate_lab.widgets._rpc import STATIC, RpcWidget, WidgetBundleMissing, _built, request

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.usefixtures("recording")


def test_the_generated_typescript_is_up_to_date():
    committed = (ROOT / "js" / "src" / "common" / "messages.ts").read_text("utf-8")
    assert committed == typescript(widget_classes()), (
        "js/src/common/messages.ts is stale: run `python scripts/gen_messages.py`")


def test_the_generator_script_checks_staleness():
    done = subprocess.run([sys.executable, "scripts/gen_messages.py", "--check"], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_every_widget_request_is_declared_in_typescript():
    text = typescript(widget_classes())
    for name, cls in widget_classes().items():
        assert f"export interface {name}Requests" in text and f"export interface {name}State" in text
        for kind in cls._rpc_handlers:
            assert f"  {kind}: {{ params:" in text.split(f"export interface {name}Requests", 1)[1]


class Typed(RpcWidget):
    _esm = "export default { render() {} };"
    colour = traitlets.Unicode("red").tag(sync=True)
    rows = traitlets.List(traitlets.Dict()).tag(sync=True, ts=list[GridQuery])

    @request("move")
    def move(self, ids: list[int], to: int | None = None, query: GridQuery | None = None) -> dict[str, int]:
        return {"n": len(ids)}


@pytest.mark.parametrize(("params", "fragment"), [
    ({"ids": "1,2"}, "ids must be number[], not string"),
    ({"ids": [1, "2"]}, "ids must be number[]"),
    ({"ids": [True]}, "ids must be number[]"),  # a JSON boolean is not a number
    ({"ids": [1], "to": 1.5}, "to must be number | null"),
    ({"ids": [1], "query": {"sort": 3}}, "query must be GridQuery | null"),
    ({"ids": [1], "query": {"colour": "x"}}, "query must be GridQuery | null"),  # unknown key
    ({"ids": [1], "extra": 1}, "unexpected keyword argument 'extra'"),
    ({}, "missing a required argument: 'ids'"),
])
def test_the_kernel_rejects_requests_that_do_not_fit_the_declaration(params: dict[str, Any], fragment: str):
    reply = frontend_request(Typed(), "move", **params)
    assert reply["error_type"] == "TypeError"
    assert reply["error"].startswith("bad 'move' request: ") and fragment in reply["error"], reply["error"]


def test_requests_that_fit_reach_the_handler():
    reply = frontend_request(Typed(), "move", ids=[1, 2], to=None, query={"sort": "id", "status": ["new"]})
    assert reply["result"] == {"n": 2}


def test_typescript_spells_params_results_and_tagged_traits():
    text = typescript({"Typed": Typed})
    assert ("move: { params: { ids: number[]; to?: number | null; query?: GridQuery | null }; "
            "result: Record<string, number> };") in text
    assert "  rows: GridQuery[];" in text and "  colour: string;" in text
    assert "export interface GridQuery {\n  sort?: string;" in text
    # NotRequired keys stay optional (3.11 does not see them under postponed annotations)
    grid = typescript(widget_classes())
    assert "  confidence?: number | null;\n  review_flags?: string[];" in grid
    assert "  selected: boolean;" in grid


def test_annotations_the_browser_cannot_send_are_refused():
    with pytest.raises(TypeError, match="not JSON-shaped"):
        ts_type(bytes, {})
    with pytest.raises(TypeError, match="not JSON-shaped"):
        conforms(b"x", Path)


def test_a_missing_bundle_says_how_to_build_it():
    with pytest.raises(WidgetBundleMissing, match=r"npm ci && npm run build"):
        _built("no_such_widget", ".js")


@pytest.mark.parametrize("name", sorted(widget_classes()))
def test_widgets_load_their_bundles_from_files_so_hot_reload_works(name: str):
    cls = widget_classes()[name]
    # anywidget turns a path into a watched file (ANYWIDGET_HMR=1 reloads open views on rebuild)
    for key, suffix in (("_esm", ".js"), ("_css", ".css")):
        value = cls.__dict__[key]
        path = Path(value._path)
        assert path.parent == STATIC and path.suffix == suffix, (key, path)
        assert str(value) == path.read_text("utf-8")
