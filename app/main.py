"""The Textual app: it owns navigation between the screens. Nothing here imports torch: the jobs
do, inside the screens' workers, after the first frame."""

from __future__ import annotations

import time
from pathlib import Path

from lmviz.core.grokking.records import GrokConfig
from textual.app import App, SystemCommand
from textual.binding import Binding

from .jobs.factory import JobFactory
from .jobs.settings import ARTICLE_EXAMPLE, DEFAULT_GROK, TRY_IT, ExplorerRequest, default_kind
from .screens.explorer import ExplorerScreen


class LmvizApp(App):
    """Explorer, train and grok screens. Screens never import each other: they ask the app."""

    CSS_PATH = Path(__file__).parent / "lmviz.tcss"  # absolute: subclasses live anywhere
    TITLE = "lmviz"
    BINDINGS = [Binding("ctrl+c", "quit", "Quit", show=False, priority=True),
                Binding("T", "show_tour", "Tour", show=False)]

    def __init__(self, request: ExplorerRequest | None = None, screen: str = "explorer",
                 digits: int = 4, grok: GrokConfig = DEFAULT_GROK, tour_step: int = 0,
                 train_autostart: bool = True,
                 inspect: tuple[str, bytes] | tuple[str, bytes, str | None] | None = None,
                 scale_recording: str | None = None, jobs: JobFactory | None = None) -> None:
        super().__init__()
        self.request = request or ExplorerRequest()
        self.jobs = jobs or JobFactory()  # every screen's jobs (tests: fixed ones)
        self.tour_step = tour_step
        self.train_autostart = train_autostart
        self.first = screen
        self.train_digits = digits
        self.grok_config = grok
        self.inspect = inspect  # `lmviz inspect`: (file name, its bytes[, --model])
        self.scale_recording = scale_recording  # `lmviz scale --recording` (None: the shipped one)

    def on_mount(self) -> None:
        if self.first == "train":
            self.action_show_train()
        elif self.first == "grok":
            self.action_show_grok()
        elif self.first == "scale":
            self.action_show_scale()
        elif self.first == "tour":
            self.push_screen(self._tour(first=True))
        elif self.first == "inspect":
            from .screens.inspect import InspectScreen

            self.push_screen(InspectScreen(*self.inspect))
        else:
            self.push_screen(self.make_explorer(self.request))

    def make_explorer(self, request: ExplorerRequest) -> ExplorerScreen:
        text = request.text
        if text is None and request.task == "addition" and request.task_spec is None:
            text = ARTICLE_EXAMPLE if request.digits in (None, 8) else None
        kind = request.kind or default_kind(request)
        return ExplorerScreen(request, text, kind)

    # -- navigation ----------------------------------------------------------------------------
    # The other screens are imported when first shown: plotext and Markdown cost a tenth of a
    # second that the explorer's first frame does not need (benchmarks/tui.py).
    def action_show_train(self, compare: bool = False) -> None:
        from .screens.train import TrainScreen

        self.push_screen(TrainScreen(digits=self.train_digits, compare=compare,
                                     autostart=self.train_autostart))

    def action_show_grok(self, replay: bool = True) -> None:
        from .screens.grok import GrokScreen

        self.push_screen(GrokScreen(self.grok_config, replay=replay))

    def action_show_scale(self) -> None:
        from .screens.scale import ScaleScreen

        self.push_screen(ScaleScreen(self.scale_recording))

    def _tour(self, first: bool = False):
        from .screens.tour import TourScreen

        return TourScreen(self.tour_step, first=first)

    def action_show_tour(self) -> None:
        """T from any screen: back to the tour if one is open underneath, else a new one."""
        from .screens.tour import TourScreen

        if any(isinstance(s, TourScreen) for s in self.screen_stack):
            while not isinstance(self.screen, TourScreen):
                self.pop_screen()
        else:
            self.push_screen(self._tour())

    def try_tour_step(self, target: str) -> None:
        """A tour step's "try it": the full screen in the state the step describes. Leaving it
        (escape, or q where q leaves) comes back to the tour."""
        if target == "train":
            self.action_show_train()
        elif target == "train-compare":
            self.action_show_train(compare=True)
        elif target == "grok-replay":
            self.action_show_grok(replay=True)
        elif target == "scale":
            self.action_show_scale()
        else:
            self.push_screen(self.make_explorer(TRY_IT[target.removeprefix("explorer:")]))

    def action_show_help(self, page: str = "explorer") -> None:
        """? on a screen: that screen's help page (screens/help.py PAGES)."""
        from .screens.help import PAGES, HelpScreen

        self.push_screen(HelpScreen(PAGES[page]))

    def open_explorer(self, request: ExplorerRequest) -> None:
        """A fresh explorer on top (the train screen sends its model here)."""
        self.push_screen(self.make_explorer(request))

    def back_to_explorer(self) -> None:
        """Leave a screen: back to the screen below it (the explorer, or the tour), or open an
        explorer if it was the first."""
        if len(self.screen_stack) > 2:
            self.pop_screen()
        else:
            self.push_screen(self.make_explorer(self.request))

    def save_svg(self) -> str:
        """This screen as an SVG in the current directory (a browser downloads it instead)."""
        screen = type(self.screen).__name__.lower().removesuffix("screen")
        name = f"lmviz-{screen}-{time.strftime('%Y%m%d-%H%M%S')}.svg"
        self.deliver_screenshot(filename=name, path=str(Path.cwd()))
        self.notify(f"saved {name}", title="SVG")
        return name

    def get_system_commands(self, screen):
        yield from super().get_system_commands(screen)
        yield SystemCommand("Save SVG", "Save this screen as an SVG picture (for slides)",
                            lambda: self.set_timer(0.1, self.save_svg))  # once the palette is gone
        yield SystemCommand("Tour", "The guided tour of the article (T)", self.action_show_tour)
        # Every binding of the screen, by its description, in the command palette.
        for binding in screen.BINDINGS:
            desc = binding.description
            action = binding.action
            if not desc:
                continue
            target = self if action.startswith("app.") else screen
            name = action.removeprefix("app.")
            yield SystemCommand(desc, f"{desc} ({binding.key_display or binding.key})",
                                lambda t=target, n=name: t.run_action(n))
