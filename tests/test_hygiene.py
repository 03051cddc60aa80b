"""Import hygiene and packaging: core never loads the UI, the UI starts without torch."""

import subprocess
import sys
from pathlib import Path


def _modules_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys\nprint('\\n'.join(sys.modules))"],
                         capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_core_imports_no_textual_or_rich():
    mods = _modules_after(
        "import lmviz.core.coder, lmviz.core.quantize, lmviz.core.tasks, lmviz.core.model, "
        "lmviz.core.online, lmviz.core.session, lmviz.core.records, lmviz.core.learn, "
        "lmviz.core.grokking, lmviz.core.compressor, lmviz.core.container, lmviz.core.checkpoints"
    )
    assert not {m for m in mods if m.split(".")[0] in ("textual", "rich", "textual_plotext")}


def test_app_modules_import_without_torch():
    mods = _modules_after(
        "import lmviz.app.main, lmviz.app.screens.explorer, lmviz.app.screens.train, "
        "lmviz.app.screens.grok, lmviz.app.cli"
    )
    assert "torch" not in mods


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
