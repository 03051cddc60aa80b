"""`lmviz pretrain` under torchrun: DDP with gloo on this CPU, two processes, a few steps."""

import socket
import subprocess
import sys
from pathlib import Path

import torch
from lmviz.core.learning.config import PretrainConfig
from lmviz.core.learning.online import OnlineLearner
from lmviz.core.learning.pretrain import learner_config

from tests.test_pretrain import corpus  # noqa: F401  (a fixture)

HELPER = Path(__file__).with_name("ddp_pretrain.py")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def torchrun(nproc: int, folder, out, steps: int, *extra) -> subprocess.CompletedProcess:
    out.mkdir(exist_ok=True)
    return subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", f"--nproc_per_node={nproc}",
         "--master_addr=127.0.0.1", f"--master_port={free_port()}", str(HELPER), str(folder),
         str(out), str(steps), *extra],
        capture_output=True, text=True, timeout=240)



def test_two_ranks_end_equal_and_match_one_process_with_the_same_global_batch(
        tmp_path, corpus):  # noqa: F811
    two = torchrun(2, corpus, tmp_path / "two", 6)
    assert two.returncode == 0, two.stderr[-2000:]
    one = torchrun(1, corpus, tmp_path / "one", 6)
    assert one.returncode == 0, one.stderr[-2000:]
    r0 = torch.load(tmp_path / "two" / "rank0.pt", weights_only=True)
    r1 = torch.load(tmp_path / "two" / "rank1.pt", weights_only=True)
    single = torch.load(tmp_path / "one" / "rank0.pt", weights_only=True)
    saved = torch.load(tmp_path / "two" / "model.pt", weights_only=True)["model"]
    fresh = OnlineLearner(learner_config(PretrainConfig(size="small", context=32))).model
    moved = 0.0
    for k, start in fresh.state_dict().items():
        assert torch.equal(r0[k], r1[k]), k  # DDP keeps the ranks in step, bit for bit
        torch.testing.assert_close(r0[k], single[k], rtol=1e-4, atol=1e-5)
        assert torch.equal(saved[k], r0[k]), k  # rank 0 wrote its final weights
        moved += float((r0[k] - start).abs().sum())
    assert moved > 0.1  # six steps did train


def test_a_failing_rank_leaves_no_checkpoint(tmp_path, corpus):  # noqa: F811
    run = torchrun(2, corpus, tmp_path / "fail", 6, "fail")
    assert run.returncode != 0
    assert "rank 1 fails on purpose" in run.stderr
    assert not (tmp_path / "fail" / "model.pt").exists()
    assert not list((tmp_path / "fail").glob("*.tmp"))
