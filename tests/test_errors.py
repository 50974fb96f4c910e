"""Every error the library raises on purpose derives from PreannotateError.

The walk over the package makes a future error class that forgets the root fail here.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import warnings

import pytest

import preannotate_lab as pl


def _exported_errors() -> list[str]:
    return [name for name in pl.__all__
            if isinstance(value := getattr(pl, name), type) and issubclass(value, BaseException)]


def _package_modules() -> list[str]:
    return sorted(info.name for info in pkgutil.walk_packages(pl.__path__, f"{pl.__name__}."))


def test_the_package_exports_its_errors():
    exported = set(_exported_errors())
    assert {"PreannotateError", "StoreError", "FormatError", "TaskImportError", "ExportError",
            "ConfigError", "ResourceError", "ServerError", "JobError", "TrainingError",
            "DocumentError"} <= exported


@pytest.mark.parametrize("name", _exported_errors())
def test_every_exported_error_derives_from_the_root(name: str):
    assert issubclass(getattr(pl, name), pl.PreannotateError)


def test_every_public_error_class_of_the_package_derives_from_the_root():
    unrooted = []
    for module_name in _package_modules():
        module = importlib.import_module(module_name)
        for name, value in vars(module).items():
            if (inspect.isclass(value) and issubclass(value, BaseException)
                    and value.__module__ == module_name and not name.startswith("_")
                    and not issubclass(value, pl.PreannotateError)):
                unrooted.append(f"{module_name}.{name}")
    assert not unrooted, f"derive these from preannotate_lab.PreannotateError: {unrooted}"


def test_value_errors_stay_value_errors():
    for error in (pl.ConfigError, pl.FormatError, pl.TaskImportError, pl.DocumentError,
                  pl.InvalidRecordError, pl.InvalidCompletionError):
        assert issubclass(error, ValueError)
    assert issubclass(pl.TaskNotFound, KeyError)
    assert str(pl.TaskNotFound("no task 3")) == "no task 3"


def test_one_except_catches_a_real_import_failure(tmp_path):
    project = pl.Project.create(tmp_path / "p.sqlite")
    try:
        with pytest.raises(pl.PreannotateError, match="no file or folder at"):
            pl.import_path(project, tmp_path / "nowhere.json")
    finally:
        project.close()


@pytest.mark.parametrize("module", ["preannotate_lab.formats", "preannotate_lab.formats.errors"])
def test_the_old_import_error_name_still_works_with_a_warning(module: str):
    namespace = importlib.import_module(module)
    with pytest.warns(DeprecationWarning, match=rf"{module}\.ImportError_ is deprecated; use .*TaskImportError"):
        old = namespace.ImportError_
    assert old is pl.TaskImportError
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(AttributeError, match="no attribute 'ImportError'"):
            namespace.ImportError  # noqa: B018 - the attribute access is the test
