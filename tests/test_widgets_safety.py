"""Hostile task text stays inert: the ES modules never parse data as HTML, and the kernel
sends task text verbatim as JSON strings (rendered with text nodes), never as markup."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from widgets_fixtures import (
    comm_of,
    make_project,
    ner_config,
    recording,  # noqa: F401 - the fixture, used through pytestmark
    result_of,
)

from preannotate_lab.widgets import LabelingView, TaskGrid
from preannotate_lab.widgets._rpc import STATIC, esm

pytestmark = pytest.mark.usefixtures("recording")

HOSTILE = ('Dr. <img src=x onerror="alert(1)"> met <script>alert("xss")</script> '
           'in <b onmouseover=alert(2)>Paris</b> & "Berlin".')
SRC = Path(__file__).resolve().parent.parent / "js" / "src"
# the TypeScript sources (and the entries not converted yet), and what esbuild makes of them
SOURCES = sorted([*SRC.rglob("*.ts"), *SRC.glob("*.js")])
WIDGETS = sorted(p.stem for p in SRC.glob("*.[tj]s"))
JS_FILES = SOURCES + sorted(STATIC.glob("*.js"))


def _source(name: str) -> Path:
    return SRC / f"{name}.ts" if (SRC / f"{name}.ts").exists() else SRC / f"{name}.js"

# Every DOM API that parses a string as HTML or code.
SINKS = re.compile(
    r"\.(innerHTML|outerHTML|insertAdjacentHTML|srcdoc)\b|document\.write|\beval\s*\(|"
    r"new\s+Function\s*\(|createContextualFragment|DOMParser|setHTMLUnsafe|\.on\w+\s*=\s*[^=]"
)


def _code(text: str) -> str:
    """The source without // comments (the safety notes mention the sink names)."""
    return "\n".join(line.split("//", 1)[0] if not line.lstrip().startswith("*") else ""
                     for line in text.splitlines())


def test_there_is_one_module_per_widget():
    assert set(WIDGETS) == {"config_builder", "labeling_view", "labelstudio_panel",
                            "preannotate_dialog", "rule_studio", "servers_panel", "task_grid"}


@pytest.mark.parametrize("path", JS_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_html_or_code_sinks_in_the_modules(path: Path):
    hits = [line for line in _code(path.read_text("utf-8")).splitlines() if SINKS.search(line)]
    assert hits == [], f"{path.name} parses strings as HTML/code: {hits}"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_inline_styles_only_take_checked_colours(path: Path):
    # a style built from data must only ever carry a colour that passed a #rrggbb check
    for line in _code(path.read_text("utf-8")).splitlines():
        if "style:" in line or 'setAttribute("style"' in line:
            assert "${" not in line or re.search(r"test\(|safe|color\.value|contrastColor|chipStyle", line), line


def test_the_element_helper_turns_strings_into_text_nodes():
    common = (SRC / "common" / "dom.ts").read_text("utf-8")
    assert "document.createTextNode(String(child))" in common
    assert "node.textContent = " in common


@pytest.mark.parametrize("name", WIDGETS)
def test_bundles_are_self_contained_modules(name: str):
    bundle = esm(name).read_text("utf-8")
    # a blob URL cannot resolve imports: everything the view needs is inside its bundle
    assert not re.search(r"""(^|[;}\s])import\s*[\w{*"']|\bimport\(""", bundle)
    assert re.search(r"export\s*\{[^}]*\bas default\b", bundle) or "export default" in bundle
    assert "pl-message" in bundle  # the shared status line came along


@pytest.mark.parametrize("name", WIDGETS)
def test_every_interactive_element_has_a_test_id(name: str):
    code = _code(_source(name).read_text("utf-8"))
    header = _source(name).read_text("utf-8").split("import", 1)[0]
    for match in re.finditer(r'h\("(button|input|select|textarea)"', code):
        tail = code[match.end(): match.end() + 200]
        assert "data-testid" in tail, f"{name}: a <{match.group(1)}> without data-testid: {tail[:80]}"
    for testid in set(re.findall(r'"data-testid": "(pl-[a-z-]+)"', code)):
        assert testid in header, f"{name}: {testid} is not documented at the top of the file"


def test_hostile_task_text_reaches_the_browser_verbatim_as_json_text(tmp_path):
    project = make_project(tmp_path / "xss.sqlite", [HOSTILE], ner_config())
    view = LabelingView(project, 1)
    assert view.task["text"] == HOSTILE
    grid = TaskGrid(project)
    [row] = result_of(grid, "page")["rows"]
    assert row["title"].startswith("Dr. <img")  # a string for textContent, not escaped twice
    result_of(view, "create_completion")
    start = HOSTILE.index("<script>")
    result_of(view, "add_span", start=start, end=start + 8, label="ORG")
    assert [r["text"] for r in view.results] == ["<script>"]
    # nothing the kernel publishes is HTML: widget state and replies only
    for message in comm_of(view).sent:
        assert message["msg_type"] in ("comm_open", "comm_msg")
    bundle = view._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    # no HTML type: the widget, a plain-text summary and the task as JSON for the extension's
    # renderer, which puts strings into the page as text only (tests/browser/test_labextension.py)
    assert set(data) == {"text/plain", "application/vnd.jupyter.widget-view+json",
                         "application/vnd.preannotate.task+json"}
    assert data["application/vnd.preannotate.task+json"]["text"] == HOSTILE
    project.close()
