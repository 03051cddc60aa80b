"""What a new user and a reliability engineer tried (issue 10), each pinned so it stays fixed:
outputs only ever replace regular files, paths are checked before the work, numbers are checked
where they are read, headless commands never open a TUI, and errors are one short sentence."""

import os
import stat
import subprocess
import sys
import time

import pytest
from lmviz.app.cli import main
from lmviz.core import files
from lmviz.core.files import OutputError, check_output, write_output

LMVIZ = [sys.executable, "-m", "lmviz.app.cli"]


def one_sentence(err: str) -> bool:
    return err.startswith("lmviz: ") and err.count("\n") == 1 and "Traceback" not in err


# -- outputs -----------------------------------------------------------------------------------
def test_a_device_is_never_replaced_even_with_force(tmp_path):
    with pytest.raises(OutputError, match="not a regular file"):
        write_output("/dev/null", b"x", force=True)
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_decompress_onto_dev_null_is_refused_before_the_work(tmp_path, capsys):
    src = tmp_path / "a.txt"
    src.write_bytes(b"hello hello hello")
    packed = tmp_path / "a.lmvz"
    assert main(["compress", str(src), str(packed)]) == 0
    capsys.readouterr()
    assert main(["decompress", str(packed), "/dev/null", "--force"]) == 1
    err = capsys.readouterr().err
    assert one_sentence(err) and "not a regular file" in err
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_a_symbolic_link_is_refused_and_left_alone(tmp_path):
    target = tmp_path / "real.txt"
    target.write_bytes(b"keep")
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    for force in (False, True):
        with pytest.raises(OutputError, match="symbolic link"):
            write_output(link, b"new", force=force)
    assert link.is_symlink() and target.read_bytes() == b"keep"


def test_directories_and_missing_directories_are_refused(tmp_path):
    with pytest.raises(OutputError, match="is a directory"):
        check_output(tmp_path, force=True)
    with pytest.raises(OutputError, match="no such directory"):
        check_output(tmp_path / "nope" / "x.pt", force=False)


@pytest.mark.parametrize("mask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)],
                         ids=["umask-022", "umask-077", "umask-002"])
def test_outputs_honour_the_umask(tmp_path, mask, mode):
    out = tmp_path / "out.bin"
    code = (f"import os; os.umask({mask:#o}); from lmviz.core.files import write_output; "
            f"write_output({str(out)!r}, b'x', force=False)")
    subprocess.run([sys.executable, "-c", code], check=True)
    assert stat.S_IMODE(out.stat().st_mode) == mode


def test_the_existing_output_check_is_made_at_the_rename(tmp_path, monkeypatch):
    """Two runs to one path: the second must not overwrite the first, even when the file
    appeared after its early check (simulated by skipping that check)."""
    out = tmp_path / "out.lmvz"
    out.write_bytes(b"first")
    monkeypatch.setattr(files, "check_output", lambda path, force: None)
    with pytest.raises(OutputError, match="already exists"):
        write_output(out, b"second", force=False)
    assert out.read_bytes() == b"first"
    assert [p.name for p in tmp_path.iterdir()] == ["out.lmvz"]  # no temporary file left


def test_learn_save_to_a_bad_path_fails_before_training(tmp_path, capsys, monkeypatch):
    import lmviz.app.commands.learn as learn

    def no_training(*a, **k):
        raise AssertionError("trained before checking the output path")

    monkeypatch.setattr(learn, "LearnJob", no_training)
    for path, words in ((tmp_path / "nope" / "x.pt", "no such directory"),
                        (tmp_path, "is a directory")):
        t0 = time.perf_counter()
        assert main(["learn", "addition", "--sequences", "10", "--save", str(path)]) == 1
        err = capsys.readouterr().err
        assert one_sentence(err) and words in err and ".tmp" not in err
        assert time.perf_counter() - t0 < 5


# -- numbers and text on the command line --------------------------------------------------------
@pytest.mark.parametrize("argv", [
    ["learn", "addition", "--batch", "-4"], ["learn", "addition", "--batch", "0"],
    ["learn", "addition", "--threads", "0"], ["learn", "addition", "--lr", "-1"],
    ["learn", "addition", "--lr", "0"], ["learn", "addition", "--lr", "nan"],
    ["learn", "addition", "--sequences", "0"], ["learn", "addition", "--digits", "13"],
    ["grok", "--width", "0"], ["grok", "--width", "30"], ["grok", "--lr", "-1"],
    ["grok", "--fraction", "1.5"], ["grok", "--steps", "0"], ["grok", "--eval-every", "0"],
    ["encode", "--digits", "0", "1+2=3"], ["--digits", "99"], ["--digits", "0"],
    ["train", "--digits", "x"], ["compress", "--seed", "-1", "a", "b"],
], ids=lambda argv: " ".join(argv))
def test_every_bad_number_is_one_sentence_and_exit_2(argv, capsys):
    assert main(argv) == 2
    assert one_sentence(capsys.readouterr().err)


def test_the_same_mistake_exits_the_same_way_everywhere(capsys):
    codes = {main(["learn", "addition", "--digits", "0"]), main(["encode", "--digits", "0", "1+2=3"]),
             main(["--digits", "0"]), main(["train", "--digits", "0"])}
    assert codes == {2}


def test_a_long_input_is_quoted_short(capsys):
    assert main(["encode", "1" * 50_000 + "+12345678=1"]) == 2
    err = capsys.readouterr().err
    assert one_sentence(err) and len(err) < 200


def test_a_bad_checkpoint_is_an_error_not_a_fallback(tmp_path, capsys):
    bad = tmp_path / "random.pt"
    bad.write_bytes(os.urandom(2000))
    assert main(["--checkpoint", str(bad)]) == 1
    err = capsys.readouterr().err
    assert one_sentence(err) and "not an lmviz checkpoint" in err
    assert main(["--checkpoint", str(tmp_path / "missing.pt")]) == 1
    assert "no checkpoint named" in capsys.readouterr().err


# -- headless means headless --------------------------------------------------------------------
@pytest.mark.parametrize("argv", [[], ["train"], ["1+2=3", "--digits", "1"]],
                         ids=["explorer", "train", "explorer-with-text"])
def test_the_tui_refuses_when_stdout_is_not_a_terminal(argv, capsys):
    assert main(argv) == 2  # under pytest stdout is a pipe
    err = capsys.readouterr().err
    assert one_sentence(err) and "not a terminal" in err


def test_the_tui_without_a_terminal_exits_at_once_in_a_real_process():
    t0 = time.perf_counter()
    r = subprocess.run(LMVIZ, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert r.returncode == 2 and one_sentence(r.stderr) and r.stdout == ""
    assert time.perf_counter() - t0 < 30


def test_grok_json_without_steps_runs_headless_to_its_default(capsys, monkeypatch):
    import json

    import lmviz.app.commands.grok as grok

    monkeypatch.setattr(grok, "DEFAULT_MAX_STEPS", 3)
    assert main(["grok", "--json", "--width", "32", "--fraction", "0.3"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["steps"] == 3 and out["config"]["width"] == 32


def test_a_crashed_tui_exits_non_zero(monkeypatch):
    """An exception inside the app ends it with exit code 1, not 0."""
    import lmviz.app.commands.screens as screens
    from lmviz.app.main import LmvizApp

    class Crashing(LmvizApp):
        def on_mount(self) -> None:
            raise RuntimeError("boom")

        def run(self, **kwargs):
            return super().run(headless=True, size=(120, 40))

    monkeypatch.setattr(screens, "require_terminal", lambda what: None)
    monkeypatch.setattr("lmviz.app.main.LmvizApp", Crashing)
    from types import SimpleNamespace

    args = SimpleNamespace(text=None, file=None, task="addition", checkpoint=None, digits=None)
    assert screens.run("explorer", args) == 1
