"""Compiles the generator's hot modules (COMPILED) with mypyc into C extensions: generation is
about 1.5x faster and the rows are byte-identical. The metadata lives in pyproject.toml; this
file only adds the extensions, through setuptools' own commands (cmdclass), no argv parsing:

- Build runs ``mypycify`` (as mypyc's docs show) when a wheel is built, not when setup.py is
  loaded: pip loads it three times per install (requirements, metadata, wheel), an sdist and an
  editable install load it too, and mypyc (type check and C generation) takes about 20 s each time;
- BuildExt builds nothing in an editable install (setuptools sets ``editable_mode``, PEP 660):
  a compiled module would shadow its .py and hide your edits. If the C compiler fails (none,
  no Python headers...) it warns and leaves pure Python.

RAGSEED_PURE_PYTHON=1 declares no extensions at all: a pure Python wheel. A type error that
mypyc reports fails the build loudly: CI builds this way, so it would be our bug to fix.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build import build
from setuptools.command.build_ext import build_ext
from setuptools.errors import CCompilerError, ExecError, PlatformError

COMPILED = [
    "src/ragseed/core/rng.py",
    "src/ragseed/core/tokens.py",
    "src/ragseed/generate/language.py",
    "src/ragseed/generate/compose.py",
    "src/ragseed/generate/questions.py",
    "src/ragseed/generate/triplets.py",
    "src/ragseed/generate/tenant.py",
    "src/ragseed/core/layout.py",
]
# Not the project's strict mypy settings: the build environment has none of the runtime
# dependencies (pydantic...), whose types are then Any, which strict mode rejects.
MYPYC_FLAGS = ["--config-file=", "--ignore-missing-imports", "--follow-imports=silent"]
PURE = os.environ.get("RAGSEED_PURE_PYTHON", "") not in ("", "0")


def _module(path: str) -> str:
    return path.removeprefix("src/").removesuffix(".py").replace("/", ".")


class Build(build):
    def run(self) -> None:
        # Replace the declared extensions with mypyc's (C sources it generates, plus the shared
        # library they all link to) before build_ext takes the list.
        if self.distribution.ext_modules:
            from mypyc.build import mypycify

            self.distribution.ext_modules = mypycify([*MYPYC_FLAGS, *COMPILED], opt_level="3")
        super().run()


class BuildExt(build_ext):
    def finalize_options(self) -> None:
        super().finalize_options()
        if self.editable_mode:
            self.extensions = []

    def run(self) -> None:
        # All or nothing (not Extension(optional=True), which skips each failing extension on
        # its own): a module's compiled stub without the shared library would fail to import.
        try:
            super().run()
        except (CCompilerError, ExecError, PlatformError) as exc:
            for output in self.get_outputs():
                Path(output).unlink(missing_ok=True)
            # warnings.warn, not self.warn: pip shows a backend's warnings without -v.
            msg = f"ragseed: {type(exc).__name__} from the C compiler, so ragseed is pure Python"
            warnings.warn(f"{msg} (pip install -v shows the compiler's output)", stacklevel=1)


setup(
    # The modules that become extensions; Build puts mypyc's real extensions in their place.
    ext_modules=[] if PURE else [Extension(_module(p), [p]) for p in COMPILED],
    cmdclass={"build": Build, "build_ext": BuildExt},
)
