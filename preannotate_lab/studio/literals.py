"""What text a rule needs: the literal parts of a regex or a dictionary, as a trigram query.

A match of ``\\$\\d+ (?:million|billion)`` must contain " million" or " billion"; so a task
whose text holds neither cannot match, and the index skips it. :func:`rule_query` turns a
rule into an FTS5 expression over the trigram index (``("mil" AND "ill" ...) OR (...)``), or
None when nothing is certain (``\\w+ing``: two letters are too few for a trigram).

The query must never leave out a task the rule would match (the statistics would be wrong),
so anything not understood gives up rather than guesses:

* the pattern is read with Python's own regex parser; a pattern it cannot read (the ``regex``
  module's extras: ``\\p{L}``, ``(?|...)``, ``\\m``, ...) or that holds a brace which is not a
  plain repeat count (``{e<=1}``, fuzzy matching there, is literal text to Python) or a class
  that Python reads otherwise (``[[:alpha:]]``, a POSIX class there) has no query;
* optional parts, alternatives with a branch that needs nothing, classes, lookarounds and
  backreferences require nothing; a repeat of at least one requires its content;
* the index folds case, so every literal is lowered and any case flag is fine; a trigram with a
  character outside ASCII is left out of the AND (Unicode case folding differs in corners), which
  only makes the query wider. Under a case-insensitive match ``i`` also matches ``İ`` (U+0130),
  which the index does not fold to ``i`` (``K`` U+212A and ``ſ`` U+017F it folds to ``k`` and
  ``s``): a trigram with an ``i`` then asks for either spelling.
"""

from __future__ import annotations

import re
import re._constants as sre_constants  # Python's own regex parser (3.11+)
import re._parser as sre_parse
import warnings
from typing import Any

from ..resources.ruleset import Rule

# a query tree: None (no constraint), a literal string, or ("and" | "or", [trees])
Tree = Any
# above this many trigrams the query costs more than it saves: OR of 100 keywords took 0.08 s,
# of 1,000 keywords 0.85 s, on 10,000 paragraphs (a regex pass over them: about 0.6 s)
MAX_TERMS = 400
_MAY_IGNORE_CASE = re.compile(r"\(\?[a-zA-Z]*i")
_REPEAT_BRACE = re.compile(r"\{\d*(?:,\d*)?\}")


def rule_query(rule: Rule) -> str | None:
    """The FTS5 trigram query that every task matching ``rule`` satisfies, or None."""
    if rule.type == "dictionary":
        tree: Tree = ("or", [("and", " ".join(k.split()).split(" ")) for k in rule.keywords])
    else:
        tree = pattern_tree(rule.pattern)
    ignore_case = not rule.case_sensitive or bool(_MAY_IGNORE_CASE.search(rule.pattern))
    return to_fts(tree, ignore_case=ignore_case)


def pattern_tree(pattern: str) -> Tree:
    """The literal strings a match of ``pattern`` must contain, as an and/or tree (or None)."""
    if _has_odd_brace(pattern):
        return None
    try:
        with warnings.catch_warnings():
            # "possible nested set": [[:alpha:]] is a POSIX class to the regex module but a
            # set plus a literal "]" to Python's parser, which would then demand that "]"
            warnings.simplefilter("error", FutureWarning)
            parsed = sre_parse.parse(pattern, 0)
    except (re.error, RecursionError, OverflowError, ValueError, FutureWarning):
        return None
    return _sequence(list(parsed))


def _has_odd_brace(pattern: str) -> bool:
    """True if an unescaped ``{`` outside a class starts something other than ``{m,n}``."""
    i, in_class = 0, False
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            if pattern[i + 1:i + 2] == "^":
                i += 1
            if pattern[i + 1:i + 2] == "]":  # a ']' first in a class is a member
                i += 1
        elif char == "{" and not _REPEAT_BRACE.match(pattern, i):
            return True
        i += 1
    return False


def _sequence(items: list[tuple[Any, Any]]) -> Tree:
    parts: list[Tree] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            parts.append("".join(run))
            run.clear()

    for op, arg in items:
        if op is sre_constants.LITERAL:
            run.append(chr(arg))
            continue
        if op is sre_constants.IN and len(arg) == 1 and arg[0][0] is sre_constants.LITERAL:
            run.append(chr(arg[0][1]))  # [x]: one character
            continue
        flush()
        parts.append(_item(op, arg))
    flush()
    return _and(parts)


def _item(op: Any, arg: Any) -> Tree:
    if op is sre_constants.SUBPATTERN:
        return _sequence(list(arg[-1]))
    if op is getattr(sre_constants, "ATOMIC_GROUP", None):
        return _sequence(list(arg))
    if op is sre_constants.BRANCH:
        return _or([_sequence(list(branch)) for branch in arg[1]])
    if op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT,
              getattr(sre_constants, "POSSESSIVE_REPEAT", None)):
        low, _high, body = arg
        return _sequence(list(body)) if low >= 1 else None
    return None  # classes, anchors, lookarounds, backreferences, conditionals: nothing certain


def _and(parts: list[Tree]) -> Tree:
    kept = [p for p in parts if p is not None]
    if not kept:
        return None
    return kept[0] if len(kept) == 1 else ("and", kept)


def _or(parts: list[Tree]) -> Tree:
    if not parts or any(p is None for p in parts):
        return None  # a branch that needs nothing lets every task through
    return parts[0] if len(parts) == 1 else ("or", parts)


def trigrams(literal: str) -> list[str]:
    """The trigrams of a literal the index can look up (lowered; ASCII only; distinct)."""
    text = literal.lower()
    grams = (text[i:i + 3] for i in range(len(text) - 2))
    return list(dict.fromkeys(g for g in grams if g.isascii()))


def _spellings(gram: str, ignore_case: bool) -> list[str]:
    """The gram, and under ignore-case every spelling with U+0130 for an ``i``."""
    out = [""]
    for char in gram:
        options = (char, "\u0130") if ignore_case and char == "i" else (char,)
        out = [head + option for head in out for option in options]
    return out


def _quoted(gram: str) -> str:
    return '"' + gram.replace('"', '""') + '"'


def to_fts(tree: Tree, *, ignore_case: bool = False) -> str | None:
    """The FTS5 expression of a tree, or None when it constrains nothing (or costs too much)."""
    terms = [0]

    def render(node: Tree) -> str | None:
        if node is None:
            return None
        if isinstance(node, str):
            grams = trigrams(node)
            if not grams:
                return None
            quoted = []
            for gram in grams:
                spellings = _spellings(gram, ignore_case)
                terms[0] += len(spellings)
                either = [_quoted(g) for g in spellings]
                quoted.append(either[0] if len(either) == 1 else "(" + " OR ".join(either) + ")")
            return quoted[0] if len(quoted) == 1 else "(" + " AND ".join(quoted) + ")"
        op, children = node
        rendered = [render(c) for c in children]
        if op == "and":
            kept = [r for r in rendered if r is not None]
            if not kept:
                return None
            return kept[0] if len(kept) == 1 else "(" + " AND ".join(kept) + ")"
        if any(r is None for r in rendered):
            return None
        return rendered[0] if len(rendered) == 1 else "(" + " OR ".join(rendered) + ")"  # type: ignore[arg-type]

    query = render(tree)
    return query if query is not None and terms[0] <= MAX_TERMS else None
