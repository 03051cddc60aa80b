"""Train and grok screens, fed fixed records (no live training in what is asserted or drawn)."""

import os

import numpy as np
from lmviz.app.jobs.base import JobControl, Pause, Resume, SaveCheckpoint, SetSpeed
from lmviz.app.jobs.events import GrokBatch, TrainBatch
from lmviz.app.main import LmvizApp
from lmviz.app.messages import JobEvent
from lmviz.app.screens.grok import GrokScreen
from lmviz.app.screens.train import TrainScreen
from lmviz.app.widgets.position_heatmap import PositionHeatmap
from lmviz.core.grokking.records import GrokStep
from lmviz.core.learning.prequential import LearnProgress
from lmviz.core.tasks import AdditionTask
from textual.app import App

SIZE = (160, 48)


class Host(App):
    CSS_PATH = LmvizApp.CSS_PATH

    def __init__(self, screen):
        super().__init__()
        self._screen = screen

    def on_mount(self):
        self.push_screen(self._screen)


def fake_learning(n_reports=40):
    """Answer positions go dark one by one; operands stay at log2 10."""
    task = AdditionTask(digits=4)
    labels = task.position_labels()
    out = []
    for k in range(1, n_reports + 1):
        bits = np.array([3.32 if lab[0] in "ab" else 0.0 for lab in labels])
        for j, lab in enumerate(labels):
            if lab[0] == "c":
                col = int(lab[1:])
                bits[j] = 3.3 * max(0.0, 1 - k / (8 + 6 * col))
        n = 1000 * k
        answers = float(np.mean([b for lab, b in zip(labels, bits) if lab[0] == "c"]))
        out.append(LearnProgress(n, k * 0.5, n * (26.3 + 40 / k), n * (26.3 + 40 / k) + 1, 2464,
                                 task.floor_bits(), bits, labels, answers, 0.5, 3e-3))
    return out


def fake_grok(steps=600):
    recs = []
    for i in range(1, steps + 1):
        ta = min(1.0, i / 80)
        va = 0.02 if i < 300 else min(1.0, 0.02 + (i - 300) / 150)
        recs.append(GrokStep(i, i / 10, 4.6 / i**0.5, 5.0 - 4 * va, ta, va, 30000 * (1 - va) + 50,
                             30 - i / 60))
    return recs


async def test_train_screen_draws_fixed_records_and_its_controls():
    screen = TrainScreen(autostart=False)
    app = Host(screen)
    async with app.run_test(size=SIZE) as pilot:
        for p in fake_learning():
            screen.post_message(JobEvent(screen.generation, TrainBatch(((0, p),), {})))
        screen.post_message(JobEvent(screen.generation, TrainBatch((), {"sequences": 40000, "gzip": 66.0, "bzip2": 57.0, "xz": 55.0})))
        for _ in range(50):  # the screen redraws on a timer (8 a second); a loaded CPU is slower
            await pilot.pause(0.05)
            if str(screen.query_one("#identity").render()):
                break
        assert screen.curves[0]["x"][-1] == 40000
        assert len(screen.query_one(PositionHeatmap).columns) == 40
        assert "they differ by" in str(screen.query_one("#identity").render())
        screen.post_message(JobEvent(screen.generation - 1, TrainBatch(((0, fake_learning()[0]),), {})))
        await pilot.pause(0.2)
        assert len(screen.curves[0]["x"]) == 40  # a cancelled run's message is ignored
        screen.autostart = False
        screen.restart = lambda: None  # keep the controls' effect on settings only
        await pilot.press("d")
        assert screen.settings.digits == 6
        await pilot.press("z", "v", "k", "i", "c")
        s = screen.settings
        assert (s.leading_zeros, s.reverse, s.model, s.size, s.compare) == (True, True, "lstm", "medium", True)
        control = screen.control = JobControl()  # stands for the job's command channel
        await pilot.press("minus")
        assert screen.speed == 2
        assert control._commands.get_nowait() == SetSpeed(1000)
        await pilot.press("space")
        assert screen.paused and control._commands.get_nowait() == Pause()
        await pilot.press("space")
        assert not screen.paused and control._commands.get_nowait() == Resume()
        await pilot.press("s")
        assert isinstance(control._commands.get_nowait(), SaveCheckpoint)


def test_train_screen_snapshot(snap_compare):
    """Train screen with fixed records: the loss chart falls, the cumulative chart sits below
    gzip, bzip2 and xz, the heatmap shows operand rows bright and answer rows going dark one by
    one, and the identity line compares the streaming coder with the area under the curve."""
    screen = TrainScreen(autostart=False)

    async def run_before(pilot):
        for p in fake_learning():
            screen.post_message(JobEvent(screen.generation, TrainBatch(((0, p),), {})))
        screen.post_message(JobEvent(screen.generation, TrainBatch((), {"sequences": 40000, "gzip": 66.0, "bzip2": 57.0, "xz": 55.0})))
        await pilot.pause(0.3)

    assert snap_compare(Host(screen), terminal_size=SIZE, run_before=run_before)


async def test_grok_screen_controls_and_crossings():
    screen = GrokScreen(replay=False)
    app = Host(screen)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("w")
        assert screen.config.weight_decay == 2.0
        await pilot.press("f", "d", "e")
        assert screen.config.train_fraction == 0.5 and screen.config.width == 32 and screen.config.seed == 1
        screen.mode = "training"  # as if the worker were running: accept fixed records
        screen.post_message(JobEvent(screen.generation, GrokBatch(tuple(fake_grok()))))
        await pilot.pause(0.2)
        assert len(screen.records) == 600
        text = str(screen.query_one("#grok-summary").render())
        assert "train ≥ 99% at step 80" in text and "validation ≥ 99% at step" in text
        assert "lag" in text
        await pilot.press("x")
        assert screen.records == [] and screen.mode == "idle"


async def test_grok_opens_replaying_the_recorded_run_and_says_so():
    screen = GrokScreen()
    app = Host(screen)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.1)  # no key pressed: the replay starts on its own
        assert screen.mode == "replay" and len(screen.replay) > 100
        assert "showing the recorded run" in str(screen.query_one("#status").render())
        for _ in range(4):
            await pilot.press("plus")
        for _ in range(200):
            await pilot.pause(0.05)
            if screen.mode == "idle":
                break
        assert len(screen.records) == len(screen.replay)
        assert screen.replay[-1].val_acc >= 0.99  # the recorded canonical run groks


def test_grok_screen_snapshot(snap_compare):
    """Grok screen with a fixed run: train accuracy reaches 99% at step 80, validation stays
    near 0 until step 300 then climbs to 99% (both marked), losses and weight norm plotted."""
    screen = GrokScreen(replay=False)

    async def run_before(pilot):
        screen.mode = "training"
        screen.post_message(JobEvent(screen.generation, GrokBatch(tuple(fake_grok()))))
        await pilot.pause(0.3)
        screen.mode = "idle"
        screen.redraw()
        await pilot.pause(0.1)

    assert snap_compare(Host(screen), terminal_size=SIZE, run_before=run_before)


async def test_train_screen_live_save_and_send_to_explorer(tmp_path, monkeypatch):
    """The real worker: it trains, `s` saves a loadable checkpoint, `o` opens it in the explorer,
    `x` resets, `+` changes the speed."""
    import glob
    import tempfile

    from lmviz.app.screens.explorer import ExplorerScreen
    from lmviz.core.learning.checkpoints import load_learner

    leftovers = set(glob.glob(os.path.join(tempfile.gettempdir(), "lmviz-*")))
    monkeypatch.chdir(tmp_path)
    app = LmvizApp(screen="train", digits=2)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.05)
        screen = app.screen
        assert isinstance(screen, TrainScreen)
        for _ in range(300):
            await pilot.pause(0.05)
            if screen.last[0] is not None and screen.last[0].sequences > 200:
                break
        assert screen.last[0].sequences > 200
        fastest = len((50, 200, 1000, 0)) - 1
        assert screen.speed == fastest
        await pilot.press("minus")
        assert screen.speed == fastest - 1
        await pilot.press("plus")
        assert screen.speed == fastest
        await pilot.press("s")
        saved = tmp_path / "lmviz-addition2.pt"
        for _ in range(100):
            await pilot.pause(0.05)
            if saved.exists():
                break
        assert load_learner(str(saved)).task.digits == 2
        await pilot.press("o")
        for _ in range(200):
            await pilot.pause(0.05)
            if isinstance(app.screen, ExplorerScreen) and app.screen.steps:
                break
        explorer = app.screen
        assert isinstance(explorer, ExplorerScreen) and len(explorer.steps) == 10
        assert explorer.info.kind == "pretrained" and explorer.info.sequences_seen > 0
        # The model went over in memory: nothing is left in the temporary directory.
        assert set(glob.glob(os.path.join(tempfile.gettempdir(), "lmviz-*"))) == leftovers
        app.pop_screen()
        await pilot.pause(0.1)
        before = screen.curves[0]["x"][-1]
        await pilot.press("x")
        await pilot.pause(0.1)
        # Reset: the curves start again from the first batch of a fresh run.
        for _ in range(200):
            await pilot.pause(0.05)
            if screen.curves[0]["x"]:
                break
        assert screen.curves[0]["x"][0] < before and screen.curves[0]["x"][0] <= 64


async def test_grok_screen_live_start_and_pause():
    from dataclasses import replace

    from lmviz.app.screens.grok import DEFAULT_GROK

    screen = GrokScreen(replace(DEFAULT_GROK, p=23, width=32, threads=1), replay=False)
    app = Host(screen)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        for _ in range(200):
            await pilot.pause(0.05)
            if len(screen.records) > 5:
                break
        assert screen.mode == "training" and len(screen.records) > 5
        await pilot.press("space")
        assert screen.mode == "paused"
        await pilot.pause(0.3)
        n = len(screen.records)
        await pilot.pause(0.5)
        assert len(screen.records) <= n + 2  # at most what was already in flight
        await pilot.press("space")
        assert screen.mode == "training"
        await pilot.press("x")
        assert screen.mode == "idle" and screen.records == []


async def test_grok_screen_survives_resizes():
    """A log-scale chart used to crash the screen on the first resize (plotext took the log of
    its own log on the repaint): every size, from roomy to tiny and back, must draw."""
    screen = GrokScreen(replay=False)
    app = Host(screen)
    async with app.run_test(size=SIZE) as pilot:
        screen.mode = "training"
        screen.post_message(JobEvent(screen.generation, GrokBatch(tuple(fake_grok()))))
        await pilot.pause(0.3)
        for w, h in [(100, 30), (60, 20), (20, 8), (160, 48), (3, 3), (120, 40)]:
            await pilot.resize_terminal(w, h)
            await pilot.pause(0.2)
        assert app._exception is None and app.is_running
        assert len(screen.records) == 600
