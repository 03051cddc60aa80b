"""Errors the command line turns into one sentence and an exit code."""


class UsageError(Exception):
    """Bad arguments or input text: exit code 2."""
