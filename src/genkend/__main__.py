"""``python -m genkend``: the same as the ``genkend`` command."""

from genkend.cli import run

run()
