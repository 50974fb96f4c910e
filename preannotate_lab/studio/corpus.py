"""The texts a rule studio runs on: the project's text tasks, cached for the session.

The store keeps a trigram index over the tasks' text (``store/text_index.py``); this cache keeps
the texts themselves in memory once read, so that typing a pattern costs a regex pass over the
candidate tasks and nothing else. Any change to a task's text (added, updated, deleted) changes
the store's ``text_generation``, and the cache starts over.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterable

from ..store import Project as ProjectStore

# past this share of the project among the candidates, one read of every text beats lookups
_READ_ALL_SHARE = 0.3


class TextCorpus:
    """Text task ids and texts of one project, read once per change of its text."""

    def __init__(self, project: ProjectStore) -> None:
        self.project = project
        # texts this session added to the index, and the seconds that took (the first use of
        # an imported or migrated project builds it for every task)
        self.indexed_tasks = 0
        self.index_build_s = 0.0
        self._generation: int | None = None
        self._ids: list[int] = []
        self._id_set: frozenset[int] = frozenset()
        self._texts: dict[int, str] = {}
        self._complete = False

    def refresh(self) -> None:
        """Bring the index up to date; forget everything read if any text changed since."""
        added, seconds = self.project.ensure_text_index()
        self.indexed_tasks += added
        self.index_build_s += seconds
        generation = self.project.text_generation()
        if generation != self._generation:
            self._ids = self.project.text_task_ids()
            self._id_set = frozenset(self._ids)
            self._texts, self._complete = {}, False
            self._generation = generation

    @property
    def ids(self) -> list[int]:
        """Every text task id, ascending (as of the last :meth:`refresh`)."""
        return self._ids

    def sample(self, size: int | None, seed: int = 0) -> list[int]:
        """``size`` text task ids drawn at random (all when None or larger), ascending."""
        if size is None or size >= len(self._ids):
            return list(self._ids)
        if size < 1:
            raise ValueError(f"a sample needs at least one task, not {size}")
        return sorted(random.Random(seed).sample(self._ids, size))

    def candidates(self, query: str | None, scope: list[int]) -> list[int]:
        """The ids of ``scope`` whose text may match ``query`` (all of ``scope`` when None)."""
        if query is None:
            return scope
        found = self.project.text_candidates(query)
        if len(scope) == len(self._ids):
            return [i for i in found if i in self._id_set]
        wanted = set(scope)
        return [i for i in found if i in wanted]

    def texts(self, ids: Iterable[int]) -> dict[int, str]:
        """Task id -> text for ``ids`` (text tasks only), from memory where already read."""
        ids = list(ids)
        if not self._complete:
            if len(ids) >= _READ_ALL_SHARE * max(len(self._ids), 1):
                self._texts = self.project.task_texts()
                self._complete = True
            else:
                missing = [i for i in ids if i not in self._texts]
                if missing:
                    self._texts.update(self.project.task_texts(missing))
        texts = self._texts
        return {i: texts[i] for i in ids if i in texts}

    def warm(self) -> float:
        """Read every text now (seconds taken), so the first statistics do not pay for it."""
        started = time.perf_counter()
        self.refresh()
        self.texts(self._ids)
        return time.perf_counter() - started
