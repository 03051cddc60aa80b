"""English text for the compression benchmark, generated from what every Python ships.

The docstrings of the standard library (modules, classes, functions), in sorted file order,
joined by blank lines, cut at the size asked for. Public-domain-like prose written by the Python
developers; the same on every machine with the same Python version.
"""

from __future__ import annotations

import ast
import sys
import sysconfig
from pathlib import Path


def stdlib_docstrings(size: int = 1_000_000) -> bytes:
    root = Path(sysconfig.get_paths()["stdlib"])
    out: list[str] = []
    n = 0
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).parts
        if any(p in ("test", "tests", "idlelib", "site-packages", "lib2to3") for p in rel):
            continue
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError, OSError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                doc = ast.get_docstring(node)
                if doc and len(doc) > 40:
                    out.append(doc.strip() + "\n\n")
                    n += len(out[-1].encode())
                    if n >= size:
                        return "".join(out).encode()[:size]
    return "".join(out).encode()[:size]


if __name__ == "__main__":
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    sys.stdout.buffer.write(stdlib_docstrings(size))
