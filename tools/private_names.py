"""An import-linter contract: no module uses another module's private names.

`from ragseed.x import _helper` or `x._helper` (x an imported ragseed module) from any module but
ragseed.x itself breaks it. Dunder names are not private. Besides the root package, the Python
files under `also` (tests, benchmarks, scripts) are checked too.
"""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import grimp
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _resolve(module: str, is_package: bool, level: int, target: str | None) -> str:
    if level == 0:
        return target or ""
    parts = module.split(".")
    base = parts if is_package else parts[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join(base + ([target] if target else []))


def violations(path: Path, module: str, is_package: bool, root: str) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[str] = []
    modules: dict[str, str] = {}  # local alias -> imported root-package module
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            source = _resolve(module, is_package, node.level, node.module)
            if not source.startswith(root):
                continue
            for alias in node.names:
                full = f"{source}.{alias.name}"
                if importlib.util.find_spec(source) and _is_module(full):
                    modules[alias.asname or alias.name] = full
                elif _private(alias.name) and source != module:
                    found.append(f"{path}:{node.lineno}: {source}.{alias.name}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith(root):
                    modules[alias.asname or alias.name] = alias.name
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            owner = modules.get(node.value.id)
            if owner and owner != module and _private(node.attr):
                found.append(f"{path}:{node.lineno}: {owner}.{node.attr}")
    return found


def _is_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


class PrivateNamesContract(Contract):
    type_name = "private_names"

    also = fields.ListField(subfield=fields.StringField(), required=False)

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        found: list[str] = []
        roots = {m.split(".")[0] for m in graph.modules}
        for root in sorted(roots):
            for module in sorted(m for m in graph.modules if m.split(".")[0] == root):
                spec = importlib.util.find_spec(module)
                if spec is None or not spec.origin or not spec.origin.endswith(".py"):
                    continue
                origin = Path(spec.origin)
                found += violations(origin, module, origin.name == "__init__.py", root)
            for folder in self.also or ():  # type: ignore[attr-defined]
                for path in sorted(Path(str(folder)).rglob("*.py")):
                    found += violations(path, f"{folder}.{path.stem}", False, root)
        return ContractCheck(kept=not found, metadata={"found": found})

    def render_broken_contract(self, check: ContractCheck) -> None:
        from importlinter.application import output

        for line in check.metadata["found"]:
            output.print_error(line, bold=False)
