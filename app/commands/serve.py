"""`lmviz serve`: the app in a web browser. textual-serve starts one lmviz per browser tab, on this
machine, and draws it in the page; nothing leaves 127.0.0.1."""

from __future__ import annotations

import shlex
import socket
import sys

from ..errors import UsageError

HOST = "127.0.0.1"  # a classroom projector, not the internet: use an SSH tunnel to share it
ARGS = {"tour": ["tour"], "explorer": [], "train": ["train"], "grok": ["grok"], "scale": ["scale"]}


def command_for(what: str) -> str:
    """The shell command textual-serve runs for each tab: this Python, this lmviz."""
    return shlex.join([sys.executable, "-m", "lmviz.app.cli", *ARGS[what]])


def check_port(port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((HOST, port))
        except OSError:
            raise UsageError(f"port {port} on {HOST} is in use: choose another with --port"
                             ) from None


def run(name: str, args) -> int:
    try:
        from textual_serve.server import Server
    except ImportError:
        raise UsageError("lmviz serve needs textual-serve: pip install textual-serve") from None
    check_port(args.port)
    server = Server(command_for(args.open), host=HOST, port=args.port,
                    title=f"lmviz {args.open}")
    print(f"lmviz: serving the {args.open} at http://{HOST}:{args.port} (Ctrl+C stops it)",
          flush=True)
    server.serve()
    return 0
