"""The root of every error preannotate_lab raises on purpose.

Each area keeps its own errors (``FormatError``, ``StoreError``, ``ServerError``...), and each
of them derives from :class:`PreannotateError`, so ``except pl.PreannotateError`` catches
whatever the library reports, while ``ValueError``-like errors stay ``ValueError`` for callers
that already catch those. This module imports nothing from the package: any part may use it.
"""

from __future__ import annotations

__all__ = ["PreannotateError"]


class PreannotateError(Exception):
    """Base class of every error this library raises on purpose.

    ``except preannotate_lab.PreannotateError`` catches them all; the message names the input
    it is about and says what to do. Errors of Python itself or of other libraries (an
    ``OSError`` of a disk, a bug's ``TypeError``) are not wrapped in it.
    """
