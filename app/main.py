"""The Textual app. Nothing here imports torch: the engine does, inside a worker."""

from __future__ import annotations

from pathlib import Path

from textual.app import App, SystemCommand

from .engine import ARTICLE_EXAMPLE, Engine, ExplorerRequest


class LmvizApp(App):
    """Explorer, train and grok screens over one engine."""

    CSS_PATH = Path(__file__).parent / "lmviz.tcss"  # absolute: subclasses live anywhere
    TITLE = "lmviz"

    def __init__(self, request: ExplorerRequest | None = None, screen: str = "explorer",
                 digits: int = 4, engine: Engine | None = None) -> None:
        super().__init__()
        self.request = request or ExplorerRequest()
        self.engine = engine or Engine(self.request)
        self.first = screen
        self.train_digits = digits

    def on_mount(self) -> None:
        if self.first == "train":
            self.action_show_train()
        elif self.first == "grok":
            self.action_show_grok()
        else:
            self.push_screen(self.make_explorer())

    def make_explorer(self):
        from .screens.explorer import ExplorerScreen

        text = self.request.text
        if text is None and self.request.task == "addition":
            text = ARTICLE_EXAMPLE if (self.request.digits in (None, 8)) else None
        return ExplorerScreen(self.engine, text, self.engine.default_kind())

    def action_show_train(self) -> None:
        from .screens.train import TrainScreen

        self.push_screen(TrainScreen(digits=self.train_digits))

    def action_show_grok(self) -> None:
        from .screens.grok import DEFAULT_GROK, GrokScreen

        self.push_screen(GrokScreen(getattr(self, "grok_config", DEFAULT_GROK)))

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


def run_explorer(args) -> int:
    from .errors import UsageError

    request = ExplorerRequest(text=args.text, task=args.task, checkpoint=args.checkpoint,
                              digits=args.digits)
    if args.text:
        # Bad text is refused before the TUI starts: one sentence, exit code 2.
        from lmviz.core.tasks import TaskError

        try:
            Engine(request).task().parse(args.text)
        except TaskError as exc:
            raise UsageError(str(exc)) from None
    if args.checkpoint:
        from lmviz.core.checkpoints import resolve_checkpoint

        resolve_checkpoint(args.checkpoint)  # a missing checkpoint fails here, not in the TUI
    LmvizApp(request).run()
    return 0


def run_app(screen: str, digits: int = 4) -> int:
    LmvizApp(screen=screen, digits=digits).run()
    return 0

