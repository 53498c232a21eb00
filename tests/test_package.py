"""The package's public face: its curated API imports, and no name in it hides a submodule."""

from __future__ import annotations

import importlib
import pkgutil
import types

import kgraph


def test_every_public_name_is_importable():
    for name in kgraph.__all__:
        assert hasattr(kgraph, name), name


def test_no_public_name_shadows_a_submodule():
    # Regression: `from .export import export` in __init__ once replaced the module
    # kgraph.export by the function, breaking `import kgraph.export as exporting`.
    for module in pkgutil.iter_modules(kgraph.__path__):
        importlib.import_module(f"kgraph.{module.name}")
        assert isinstance(getattr(kgraph, module.name), types.ModuleType), module.name


def test_the_package_ships_its_type_marker():
    assert (importlib.resources.files("kgraph") / "py.typed").is_file()
