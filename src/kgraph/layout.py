"""Where the graph's sources (ontology/, data/, shapes/) and the build output live."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

from .errors import KgraphError

_SOURCE_DIRS = ("ontology", "data", "shapes")


@dataclass(frozen=True)
class Layout:
    """The folders a build reads and the one it writes."""

    ontology_dir: Path
    data_dir: Path
    shapes_dir: Path
    build_dir: Path

    @classmethod
    def at(cls, root: str | os.PathLike[str], build_dir: str | os.PathLike[str] | None = None) -> Layout:
        """The layout of a checkout (or any folder) holding ontology/, data/ and shapes/."""
        root = Path(root)
        return cls(
            ontology_dir=root / "ontology",
            data_dir=root / "data",
            shapes_dir=root / "shapes",
            build_dir=Path(build_dir) if build_dir else root / "build",
        )

    @classmethod
    def default(cls) -> Layout:
        """``$KGRAPH_HOME``, else the checkout this package runs from, else the bundled copy.

        The bundled copy (inside an installed wheel) is read-only, so its build goes to
        ``$KGRAPH_BUILD_DIR`` or the user's cache folder.
        """
        build_env = os.environ.get("KGRAPH_BUILD_DIR")
        home = os.environ.get("KGRAPH_HOME")
        if home:
            return cls.at(home, build_env)
        checkout = Path(__file__).resolve().parents[2]
        if all((checkout / d).is_dir() for d in _SOURCE_DIRS):
            return cls.at(checkout, build_env)
        bundled = Path(__file__).resolve().parent / "_bundled"
        cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "kgraph" / "build"
        return cls.at(bundled, build_env or cache)

    def with_data(self, data_dir: str | os.PathLike[str],
                  build_dir: str | os.PathLike[str] | None = None) -> Layout:
        """This layout's ontology and shapes over another folder of facts.

        For synthetic or trial data (``bench/synth.py``): the facts change, the model and
        its shapes stay the project's.
        """
        return replace(self, data_dir=Path(data_dir),
                       build_dir=Path(build_dir) if build_dir else self.build_dir)

    def require_sources(self) -> None:
        """Raise unless ontology/, data/ and shapes/ exist and each holds Turtle files."""
        for folder in (self.ontology_dir, self.data_dir, self.shapes_dir):
            if not folder.is_dir() or not any(folder.glob("*.ttl")):
                raise KgraphError(
                    f"{folder} is missing or holds no .ttl file: point --home (KGRAPH_HOME) at a "
                    "folder with ontology/, data/ and shapes/ — by default, the kgraph checkout."
                )

    def ontology_files(self) -> list[Path]:
        return sorted(self.ontology_dir.glob("*.ttl"))

    def data_files(self) -> list[Path]:
        return sorted(self.data_dir.glob("*.ttl"))

    def shapes_files(self) -> list[Path]:
        return sorted(self.shapes_dir.glob("*.ttl"))
