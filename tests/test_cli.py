"""The headless commands: output shapes, figures that add up, and exit codes."""

import json
import math
import subprocess
import sys

import pytest
from lmviz.app.cli import main


def run_json(args, capsys):
    assert main(args) == 0
    return json.loads(capsys.readouterr().out)


def test_encode_json_with_the_pretrained_model(capsys):
    d = run_json(["encode", "17282456+79546852=96829308", "--json"], capsys)
    toks, tot = d["tokens"], d["totals"]
    assert len(toks) == 28 and d["text"] == "s17282456+79546852=096829308e"
    for t in toks:
        for k in ("symbol", "p", "bits", "bisection_bits", "aleatoric_bits", "epistemic_bits"):
            assert k in t
        assert t["bits"] == pytest.approx(-math.log2(t["p"]))
        assert t["bisection_bits"] <= math.ceil(t["bits"] - 1e-9) + 1
    for k in ("ideal_bits", "bisection_bits", "header_bits", "stream_bits", "raw_bits", "floor_bits"):
        assert k in tot
    assert tot["raw_bits"] == 224
    assert tot["floor_bits"] == pytest.approx(2 * math.log2(9) + 14 * math.log2(10))
    assert tot["ideal_bits"] <= tot["stream_bits"] <= tot["ideal_bits"] + 2
    # The pretrained model has learned addition: everything determined is nearly free.
    determined = sum(t["bits"] for t in toks if t["aleatoric_bits"] == 0)
    assert determined < 0.1
    assert tot["ideal_bits"] < tot["floor_bits"] + 1


def test_encode_wrong_sum_is_expensive(capsys):
    right = run_json(["encode", "17282456+79546852=96829308", "--json"], capsys)
    wrong = run_json(["encode", "17282456+79546852=96829309", "--json"], capsys)
    assert wrong["totals"]["ideal_bits"] > right["totals"]["ideal_bits"] + 5


def test_encode_bad_character_exits_2_with_one_sentence():
    r = subprocess.run([sys.executable, "-m", "lmviz.app.cli", "encode", "1728x456+79546852=96829308"],
                       capture_output=True, text=True)
    assert r.returncode == 2
    assert r.stderr.strip() == "lmviz: character 'x' at position 5 is not one of 0-9 + = s e"


def test_missing_checkpoint_is_one_sentence(capsys):
    assert main(["encode", "1+2=3", "--checkpoint", "nope"]) == 1
    err = capsys.readouterr().err
    assert "no checkpoint named 'nope'" in err and err.count("\n") == 1


def test_encode_untrained_with_other_digits(capsys):
    d = run_json(["encode", "12+34=46", "--checkpoint", "none", "--json"], capsys)
    assert len(d["tokens"]) == 10


def test_learn_json(capsys):
    d = run_json(["learn", "addition", "--digits", "2", "--sequences", "400", "--json"], capsys)
    for k in ("sequences", "seconds", "cumulative_bits_per_sequence", "floor_bits_per_sequence"):
        assert k in d
    assert d["sequences"] == 400
    assert set(d["baselines"]) == {"gzip", "bzip2", "xz"}
    assert d["floor_bits_per_sequence"] == pytest.approx(2 * math.log2(9) + 2 * math.log2(10))
    assert d["cumulative_bits_per_sequence"] > d["floor_bits_per_sequence"]
    assert d["ideal_bits"] <= d["stream_bits"] <= d["ideal_bits"] + 3


def test_learn_save_makes_a_loadable_checkpoint(tmp_path, capsys):
    path = tmp_path / "m.pt"
    run_json(["learn", "addition", "--digits", "2", "--sequences", "64", "--json", "--save", str(path)], capsys)
    d = run_json(["encode", "12+34=46", "--checkpoint", str(path), "--json"], capsys)
    assert len(d["tokens"]) == 10


def test_grok_headless_json(tmp_path, capsys):
    path = tmp_path / "run.json"
    d = run_json(["grok", "--steps", "3", "--width", "32", "--json", "--save", str(path)], capsys)
    for k in ("train99_step", "val99_step", "train99_seconds", "val99_seconds", "steps", "seconds"):
        assert k in d
    assert d["steps"] == 3 and path.exists()


def test_usage_errors_exit_2():
    r = subprocess.run([sys.executable, "-m", "lmviz.app.cli", "learn", "addition", "--sequences", "0"],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "from 1 to 100,000,000" in r.stderr


def test_pretrained_checkpoint_is_near_the_floor_on_fresh_sequences():
    from lmviz.core.learning.checkpoints import load_learner
    from lmviz.core.learning.prequential import evaluate_frozen

    ev = evaluate_frozen(load_learner("addition8"), 1000)
    assert ev["bits_per_sequence"] <= ev["floor_bits_per_sequence"] + 0.5
    assert ev["position_bits"]["c5"] < 0.05


def test_every_option_has_a_help_text_and_says_its_default():
    """`--help` is the reference: each option explains itself, and one that takes a value says
    what it is when not given."""
    from lmviz.app.cli import SUBCOMMANDS, subcommand_parser

    for name in SUBCOMMANDS:
        for action in subcommand_parser(name)._actions:
            if not action.option_strings or action.dest == "help":
                continue
            assert action.help, f"lmviz {name} {action.option_strings[0]} has no help"
            if action.nargs != 0 and not action.required:
                assert "default" in action.help, f"lmviz {name} {action.option_strings[0]}"
