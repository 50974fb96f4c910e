"""Write js/src/common/messages.ts from the widgets' @request handlers and synced traits.

    python scripts/gen_messages.py          # rewrite the file
    python scripts/gen_messages.py --check  # exit 1 when the file is stale

preannotate_lab/widgets/_messages.py explains why the handlers are the one declaration.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "js" / "src" / "common" / "messages.ts"
sys.path.insert(0, str(ROOT))


def main(argv: list[str]) -> int:
    from preannotate_lab.widgets import widget_classes
    from preannotate_lab.widgets._messages import typescript

    text = typescript(widget_classes())
    if "--check" in argv:
        if not TARGET.exists() or TARGET.read_text("utf-8") != text:
            print(f"{TARGET.relative_to(ROOT)} is stale: run python scripts/gen_messages.py", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text, "utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
