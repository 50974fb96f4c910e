"""What the ``preannotate`` command prints for a person: results as aligned lines, a progress bar.

``--json`` prints the same results as one JSON object instead (see cli.py).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any


def progress_printer(args: argparse.Namespace) -> Callable[[dict[str, Any]], None] | None:
    """A one-line progress bar on stderr (a terminal only, and not with --json): tasks done,
    documents read and, during OCR of a long document, its page."""
    if args.json or not sys.stderr.isatty():
        return None

    def show(progress: dict[str, Any]) -> None:
        total = progress.get("total") or 0
        done = progress.get("done", 0)
        width = 30
        filled = int(width * done / total) if total else 0
        line = f"[{'#' * filled}{'.' * (width - filled)}] {done}/{total or '?'} done"
        reading = progress.get("reading")
        if reading:
            line += f", reading task {reading['task']} page {reading['page']}/{reading['pages']}"
        print(f"\r{line[:110]:<110}", end="", file=sys.stderr, flush=True)

    return show


def say_progress_done(args: argparse.Namespace) -> None:
    if not args.json and sys.stderr.isatty():
        print(file=sys.stderr)


def print_human(command: str, result: dict[str, Any]) -> None:
    if command in ("demo", "status"):
        print(f"project      {result['project']}")
        print(f"tasks        {result['tasks']}")
        print(f"predictions  {result['predictions']}")
        print(f"completions  {result['completions']}")
        if "job" in result:
            job = result["job"]
            print(f"job          {job.get('done')} done, {job.get('errors')} errors, "
                  f"{job.get('rate', 0):.1f} tasks/s on server {result['server']}")
        found = ", ".join(f"{k} {v}" for k, v in result["labels_found"].items()) or "none"
        print(f"labels found {found}")
        for err in result["errors"]:
            print(f"error        task {err['task']}: {err['error']}")
        for what, how in result.get("next", {}).items():
            print(f"{what:<12} {how}")
    elif command == "report":
        print_report(result)
    elif command in ("labelstudio", "recover"):
        pass  # the command printed its report's summary
    elif command == "config" and "xml" in result:
        print(result["xml"])
    elif command == "run":
        print(f"server       {result['server']}")
        print(f"workers      {workers_text(result.get('backend') or {})}")
        print(f"tasks        {result['total']} ({result['predicted']} pre-annotated, "
              f"{result['skipped']} up to date, {result['errors']} with errors)")
        if result.get("predicted"):
            print(f"rate         {result['rate']:.1f} tasks/s")
        for err in result["task_errors"][:20]:
            print(f"error        task {err['task']}: {err['error']}")
        if len(result["task_errors"]) > 20:
            print(f"error        ... and {len(result['task_errors']) - 20} more (preannotate status)")
    else:
        for key, value in result.items():
            if key == "errors":
                continue  # printed on stderr
            if isinstance(value, list):
                value = "; ".join(map(str, value)) or "none"
            print(f"{key}: {value}")


def print_report(result: dict[str, Any]) -> None:
    """The quality report as aligned columns: per label, then effort and clicks."""
    skipped = ", ".join(f"{len(ids)} {what.replace('_', ' ')}"
                        for what, ids in result["skipped"].items() if ids)
    print(f"{result['selection']}: {result['tasks']} task(s) scored"
          + (f"; skipped: {skipped}" if skipped else ""))
    print(f"{'label':<20} {'support':>7} {'pred':>6} {'P':>6} {'R':>6} {'F1':>6} {'F1~':>6}")
    rows = [*result["labels"].items(), ("micro avg", result["micro"])]
    for label, s in rows:
        print(f"{label[:20]:<20} {s['support']:>7} {s['predicted']:>6} {s['precision']:>6.3f} "
              f"{s['recall']:>6.3f} {s['f1']:>6.3f} {s['lenient_f1']:>6.3f}")
    print("F1: exact span and label; F1~: overlapping span, same label")
    e = result["effort"]
    fixed = e["label_fixed"] + e["boundary_fixed"] + e["label_and_boundary_fixed"]
    print(f"effort       {e['accepted']} accepted, {fixed} fixed ({e['label_fixed']} label, "
          f"{e['boundary_fixed']} boundary, {e['label_and_boundary_fixed']} both), "
          f"{e['deleted']} deleted, {e['added']} added by hand")
    print(f"clicks       ~{e['clicks_with_preannotation']} instead of "
          f"~{e['clicks_without_preannotation']}: ~{e['clicks_saved']} saved "
          f"({e['share_saved']:.0%}; assumptions in --json or --html)")
    if result.get("html"):
        print(f"html         {result['html']}")


def workers_text(backend: dict[str, Any]) -> str:
    """How many processes ran the job, e.g. '2 (process pool)' or '1 (in this process: why)'."""
    workers = backend.get("workers", 1)
    if backend.get("backend") == "inline":
        reason = backend.get("reason")
        return f"{workers} (in this process{': ' + reason if reason else ''})"
    return f"{workers} ({str(backend.get('backend', '?')).replace('_', ' ')})"
