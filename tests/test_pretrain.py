"""`lmviz pretrain text`: a corpus in, a resumable checkpoint out that records what made it."""

import json

import pytest
import torch
from lmviz.app.cli import main
from lmviz.core.learning.checkpoints import load_learner

TEXT = ("The cat sat on the mat. The dog sat on the log. A bird sat on a branch and sang.\n\n"
        "Every sentence here is short, and every one of them ends with a full stop.\n\n") * 40


@pytest.fixture()
def corpus(tmp_path):
    d = tmp_path / "corpus"
    d.mkdir()
    (d / "a.txt").write_text(TEXT)
    (d / "b.txt").write_text(TEXT.upper())
    return d


def pretrain(tmp_path, corpus, *extra):
    out = tmp_path / "tiny.pt"
    argv = ["pretrain", "text", "--corpus", str(corpus), "--minutes", "0.05", "--save", str(out),
            "--size", "small", "--context", "32", "--batch", "4", "--report-every", "1",
            "--threads", "1", "--json", *extra]
    return main(argv), out


def test_pretraining_writes_a_checkpoint_that_records_its_making(tmp_path, corpus, capsys):
    code, out = pretrain(tmp_path, corpus)
    assert code == 0
    record = json.loads(capsys.readouterr().out)
    assert record["parameters"] > 0 and record["bytes_seen"] > 0 and record["steps"] > 0
    assert [f["file"] for f in record["corpus"]["files"]] == ["a.txt", "b.txt"]
    assert all(len(f["sha256"]) == 64 for f in record["corpus"]["files"])
    state = torch.load(out, map_location="cpu", weights_only=True)  # no pickled code
    assert json.loads(state["pretraining"])["settings"]["context"] == 32
    learner = load_learner(str(out))
    assert learner.task.spec() == {"name": "text", "context": 32}
    assert learner.config.batch_size == 1  # the explorer fine-tunes it one text at a time
    assert (tmp_path / "tiny.pt.resume").is_file()


def test_half_weights_load_and_predict_as_they_were_saved(tmp_path, corpus, capsys):
    code, out = pretrain(tmp_path, corpus, "--half")
    assert code == 0
    state = torch.load(out, map_location="cpu", weights_only=True)
    assert {v.dtype for v in state["model"].values() if v.is_floating_point()} == {torch.float16}
    learner = load_learner(str(out))  # the digest is of the weights as stored
    weights = dict(learner.model.state_dict())
    assert all(torch.equal(weights[k].half(), v) for k, v in state["model"].items())


def test_pretraining_resumes_where_it_stopped(tmp_path, corpus, capsys):
    assert pretrain(tmp_path, corpus)[0] == 0
    first = json.loads(capsys.readouterr().out)
    code, _ = pretrain(tmp_path, corpus, "--resume")
    assert code == 0
    second = json.loads(capsys.readouterr().out)
    # The budget was already spent: resuming adds at most a step, and keeps the count.
    assert second["steps"] >= first["steps"] and second["bytes_seen"] >= first["bytes_seen"]
    code, _ = main(["pretrain", "text", "--corpus", str(corpus), "--minutes", "0.1", "--save",
                    str(tmp_path / "tiny.pt"), "--size", "small", "--context", "32", "--batch",
                    "4", "--threads", "1", "--report-every", "1", "--json", "--resume"]), None
    assert code == 0
    third = json.loads(capsys.readouterr().out)
    assert third["steps"] > second["steps"]


@pytest.mark.parametrize("argv_extra, words", [
    (["--device", "cuda"], "no CUDA device"),
    (["--corpus", "/nonexistent"], "no such corpus directory"),
], ids=["cuda-without-gpu", "missing-corpus"])
def test_pretraining_refuses_in_one_sentence(tmp_path, corpus, capsys, argv_extra, words):
    if words == "no CUDA device" and torch.cuda.is_available():
        pytest.skip("a GPU is here")
    argv = ["pretrain", "text", "--corpus", str(corpus), "--minutes", "0.01", "--save",
            str(tmp_path / "x.pt"), "--size", "small", "--context", "32", *argv_extra]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("lmviz: ") and words in err and err.count("\n") == 1
    assert not (tmp_path / "x.pt").exists()


def test_an_existing_checkpoint_is_not_overwritten_without_force(tmp_path, corpus, capsys):
    (tmp_path / "x.pt").write_bytes(b"keep")
    argv = ["pretrain", "text", "--corpus", str(corpus), "--minutes", "0.01", "--save",
            str(tmp_path / "x.pt")]
    assert main(argv) == 1
    assert "already exists" in capsys.readouterr().err
    assert (tmp_path / "x.pt").read_bytes() == b"keep"


def test_pretraining_can_start_from_another_checkpoint_on_another_corpus(tmp_path, corpus,
                                                                          capsys):
    assert pretrain(tmp_path, corpus)[0] == 0
    first = json.loads(capsys.readouterr().out)
    other = tmp_path / "other"
    other.mkdir()
    (other / "c.txt").write_text(TEXT.replace("sat", "stood"))
    start = torch.load(tmp_path / "tiny.pt", map_location="cpu", weights_only=True)["model"]
    out = tmp_path / "tuned.pt"
    argv = ["pretrain", "text", "--corpus", str(other), "--minutes", "0.02", "--save", str(out),
            "--size", "small", "--context", "32", "--batch", "4", "--report-every", "1",
            "--threads", "1", "--json", "--init", str(tmp_path / "tiny.pt")]
    assert main(argv) == 0
    record = json.loads(capsys.readouterr().out)
    assert [f["file"] for f in record["corpus"]["files"]] == ["c.txt"]
    made_from = record["initialised_from"]
    assert made_from["file"] == "tiny.pt" and len(made_from["sha256"]) == 64
    assert made_from["record"]["steps"] == first["steps"]  # the earlier run, kept in the model
    tuned = torch.load(out, map_location="cpu", weights_only=True)["model"]
    assert any(not torch.equal(tuned[k], start[k]) for k in start)  # it trained from there
    # A checkpoint of another shape, or --init with --resume, is one sentence.
    argv[argv.index("32")] = "64"
    assert main(argv[:-1] + [str(tmp_path / "tiny.pt")] + ["--force"]) == 1
    assert "has context 32, not 64" in capsys.readouterr().err
    assert main(argv + ["--resume"]) == 2
    assert "give one of them" in capsys.readouterr().err
