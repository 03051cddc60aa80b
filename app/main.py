"""The Textual app: it owns navigation between the screens. Nothing here imports torch: the jobs
do, inside the screens' workers, after the first frame."""

from __future__ import annotations

from pathlib import Path

from lmviz.core.grokking.records import GrokConfig
from textual.app import App, SystemCommand
from textual.binding import Binding

from .jobs.settings import ARTICLE_EXAMPLE, DEFAULT_GROK, ExplorerRequest, default_kind
from .screens.explorer import ExplorerScreen


class LmvizApp(App):
    """Explorer, train and grok screens. Screens never import each other: they ask the app."""

    CSS_PATH = Path(__file__).parent / "lmviz.tcss"  # absolute: subclasses live anywhere
    TITLE = "lmviz"
    BINDINGS = [Binding("ctrl+c", "quit", "Quit", show=False, priority=True)]

    def __init__(self, request: ExplorerRequest | None = None, screen: str = "explorer",
                 digits: int = 4, grok: GrokConfig = DEFAULT_GROK, explorer_job=None) -> None:
        super().__init__()
        self.request = request or ExplorerRequest()
        self.explorer_job = explorer_job  # None: the screen makes the real one in its worker
        self.first = screen
        self.train_digits = digits
        self.grok_config = grok

    def on_mount(self) -> None:
        if self.first == "train":
            self.action_show_train()
        elif self.first == "grok":
            self.action_show_grok()
        else:
            self.push_screen(self.make_explorer(self.request, self.explorer_job))

    def make_explorer(self, request: ExplorerRequest, job=None) -> ExplorerScreen:
        text = request.text
        if text is None and request.task == "addition" and request.task_spec is None:
            text = ARTICLE_EXAMPLE if request.digits in (None, 8) else None
        return ExplorerScreen(request, text, default_kind(request), job=job)

    # -- navigation ----------------------------------------------------------------------------
    # The other screens are imported when first shown: plotext and Markdown cost a tenth of a
    # second that the explorer's first frame does not need (benchmarks/tui.py).
    def action_show_train(self) -> None:
        from .screens.train import TrainScreen

        self.push_screen(TrainScreen(digits=self.train_digits))

    def action_show_grok(self) -> None:
        from .screens.grok import GrokScreen

        self.push_screen(GrokScreen(self.grok_config))

    def action_show_help(self) -> None:
        from .screens.help import HelpScreen

        self.push_screen(HelpScreen())

    def open_explorer(self, request: ExplorerRequest) -> None:
        """A fresh explorer on top (the train screen sends its model here)."""
        self.push_screen(self.make_explorer(request))

    def back_to_explorer(self) -> None:
        """Leave a screen: back to the explorer below it, or open one if it was the first."""
        if len(self.screen_stack) > 2:
            self.pop_screen()
        else:
            self.push_screen(self.make_explorer(self.request, self.explorer_job))

    def get_system_commands(self, screen):
        yield from super().get_system_commands(screen)
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
