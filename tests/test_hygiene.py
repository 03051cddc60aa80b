"""Import hygiene and packaging: core never loads the UI, the UI starts without torch, only the
job layer drives the engine, screens never import each other, and nothing imports in a cycle."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = {"lmviz.core": ROOT / "core", "lmviz.app": ROOT / "app"}


def _module_files() -> dict[str, Path]:
    """Every module of lmviz.core and lmviz.app, by dotted name."""
    out = {}
    for pkg, folder in PACKAGES.items():
        for path in folder.rglob("*.py"):
            rel = path.relative_to(folder).with_suffix("")
            parts = [p for p in rel.parts if p != "__init__"]
            out[".".join([pkg, *parts])] = path
    return out


def _imports(name: str, path: Path) -> set[str]:
    """lmviz modules a module imports, anywhere in it (function-local imports too)."""
    found = set()
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            found.add(mod)
            found.update(f"{mod}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    files = _module_files()
    return {m for m in found if m in files and m != name}


def _modules_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys\nprint('\\n'.join(sys.modules))"],
                         capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_core_imports_no_textual_or_rich():
    core = sorted(m for m in _module_files() if m.startswith("lmviz.core"))
    mods = _modules_after("import " + ", ".join(core))
    assert len(core) > 25
    assert not {m for m in mods if m.split(".")[0] in ("textual", "rich", "textual_plotext")}


def test_app_modules_import_without_torch():
    """Everything the first frame needs, and every screen and widget, loads without torch."""
    ui = [m for m in _module_files()
          if m.startswith(("lmviz.app.screens", "lmviz.app.widgets"))
          or m in ("lmviz.app.main", "lmviz.app.cli", "lmviz.app.messages",
                   "lmviz.app.jobs.settings", "lmviz.app.jobs.events", "lmviz.app.jobs.base",
                   "lmviz.app.commands.screens", "lmviz.app.commands.inspect")]
    mods = _modules_after("import " + ", ".join(sorted(ui)))
    assert "torch" not in mods and "numba" not in mods


def test_compressing_a_file_never_imports_torch():
    """`lmviz compress`, `decompress` and `inspect` run the bit mixer (numba) alone: torch's
    import took 1.1 to 2.2 s of every 100 KB file's 5.5 to 9.7 s when an LSTM was part of the
    model."""
    mods = _modules_after("import lmviz.app.commands.compress, lmviz.app.jobs.compressing, "
                          "lmviz.app.jobs.inspecting, lmviz.core.compression.inspect")
    assert "numba" in mods and "torch" not in mods
    # and a real round trip without --model (the byte model's code is imported, not torch)
    mods = _modules_after("from lmviz.app.jobs.compressing import compress, decompress\n"
                          "blob = compress(b'Alice codes, Bob decodes. ' * 9 + b'The end.').data\n"
                          "assert decompress(blob, 'x').data.endswith(b'The end.')")
    assert "lmviz.core.compression.bytemodel" in mods and "torch" not in mods


def _engine_side() -> set[str]:
    """The core modules that load torch or numba: those that import either anywhere in them
    (function-local imports too), and those that import such a module, worked out from the
    sources, not kept by hand."""
    files = {n: p for n, p in _module_files().items() if n.startswith("lmviz.core")}
    engine = set()
    for name, path in files.items():
        for node in ast.walk(ast.parse(path.read_text())):
            mods = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                    [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level
                    else [])
            if any(m.split(".")[0] in ("torch", "numba") for m in mods):
                engine.add(name)
    graph = {name: _imports(name, path) for name, path in files.items()}
    grew = True
    while grew:
        grew = False
        for name, deps in graph.items():
            if name not in engine and deps & engine:
                engine.add(name)
                grew = True
    return engine


def test_only_the_job_layer_drives_the_engine():
    """Screens, widgets, the app and the command line read core's records (modules that load
    neither torch nor numba); the engine side of core (learners, sessions, trainers with torch;
    the compressor with numba) is reached only through app/jobs, so the screens and the command
    line run the same jobs."""
    engine = _engine_side()
    for known in ("lmviz.core.learning.online", "lmviz.core.learning.checkpoints",
                  "lmviz.core.compression.bitkernels", "lmviz.core.learning.scaling"):
        assert known in engine, known  # the analysis finds them (a function-local import too)
    assert "lmviz.core.learning.scale_records" not in engine
    for name, path in _module_files().items():
        if not name.startswith(("lmviz.app.screens", "lmviz.app.widgets", "lmviz.app.main",
                                "lmviz.app.messages", "lmviz.app.charts", "lmviz.app.commands",
                                "lmviz.app.cli", "lmviz.app.errors", "lmviz.app.size_guard")):
            continue
        bad = _imports(name, path) & engine
        assert not bad, f"{name} imports {bad}: go through app/jobs"


def test_screens_never_import_each_other():
    files = _module_files()
    for name, path in files.items():
        if name.startswith("lmviz.app.screens."):
            others = {m for m in _imports(name, path) if m.startswith("lmviz.app.screens.")
                      and m != "lmviz.app.screens.live_chart"}
            assert not others, f"{name} imports {others}: navigate through the app"


def test_no_import_cycles():
    files = _module_files()
    graph = {name: _imports(name, path) for name, path in files.items()}

    def parents(m):  # importing a.b.c runs a.b's __init__ too
        parts = m.split(".")
        return {".".join(parts[:i]) for i in range(2, len(parts))} & set(files)

    graph = {n: {x for m in deps for x in {m} | parents(m)} - {n} - parents(n)
             for n, deps in graph.items()}
    state: dict[str, int] = {}

    def visit(n, path):
        state[n] = 1
        for m in graph.get(n, ()):
            if state.get(m) == 1:
                raise AssertionError("import cycle: " + " -> ".join(path + [n, m]))
            if not state.get(m):
                visit(m, path + [n])
        state[n] = 2

    for n in graph:
        if not state.get(n):
            visit(n, [])


def test_no_core_module_is_over_400_lines():
    for name, path in _module_files().items():
        if name.startswith("lmviz.core"):
            lines = len(path.read_text().splitlines())
            assert lines <= 400, f"{name} has {lines} lines"


def test_no_top_level_core_or_app_package_installed():
    import lmviz.core

    assert Path(lmviz.core.__file__).parent.name == "core"
    for name in ("core", "app", "assets"):
        r = subprocess.run([sys.executable, "-c", f"import {name}"], capture_output=True,
                           cwd="/")
        assert r.returncode != 0, f"a top-level {name!r} package is importable"


def test_assets_ship_as_package_data():
    from importlib import resources

    files = {p.name for p in resources.files("lmviz.assets").iterdir()}
    assert "addition8.pt" in files and "README.md" in files


def test_help_lists_the_subcommands():
    out = subprocess.run([sys.executable, "-m", "lmviz.app.cli", "--help"], capture_output=True,
                         text=True, check=True).stdout
    for sub in ("encode", "learn", "train", "grok", "compress", "decompress"):
        assert sub in out


def test_screens_and_widgets_read_core_through_the_job_layer():
    """A screen or a widget takes from core nothing but error types, settings and constants:
    loading recordings, coding a byte's interval and the like happen in app/jobs (views.py for
    what is drawn), which hands them plain records."""
    allowed = {"TaskError", "GrokConfig", "MATCH", "MODEL"}  # MATCH, MODEL: part names
    for name, path in _module_files().items():
        if not name.startswith(("lmviz.app.screens", "lmviz.app.widgets")):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("lmviz.core"):
                taken = {a.name for a in node.names} - allowed
                assert not taken, f"{name} takes {taken} from {node.module}: go through app/jobs"
            if isinstance(node, ast.Import):
                assert not any(a.name.startswith("lmviz.core") for a in node.names), name
