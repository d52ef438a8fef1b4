"""The command line: ``genkend [--home DIR] [--db URL] [--user NAME] COMMAND ...``, or
``genkend --server URL COMMAND ...`` to drive a genkend server (``cli.remote``).

Each noun has its own module that registers its commands on the root app. Errors a user
can cause (``GenkendError``) become one line on stderr and exit code 1 (2 for usage
errors); anything else is a bug and keeps its traceback. That line and every warning
logged on the way are shown with their control characters made visible, like all output.
"""

from __future__ import annotations

import functools
import logging
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from genkend.cli import (
    audit_cmd,
    authorisation_cmd,
    case_cmd,
    db_cmd,
    evaluate_cmd,
    evidence_cmd,
    export_cmd,
    faces_cmd,
    gallery_cmd,
    hashset_cmd,
    ingest_cmd,
    keys_cmd,
    media_cmd,
    partner_cmd,
    report_cmd,
    retention_cmd,
    review_cmd,
    search_cmd,
    serve_cmd,
    settings_cmd,
    user_cmd,
)
from genkend.cli.context import Context, shown
from genkend.errors import GenkendError, InvalidField

app = typer.Typer(
    name="genkend",
    help="Victim identification workbench: triage seized media, link and identify faces.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _root(
    ctx: typer.Context,
    home: Annotated[
        Path | None,
        typer.Option("--home", envvar="GENKEND_HOME", help="Workspace folder."),
    ] = None,
    db: Annotated[
        str | None, typer.Option("--db", help="Database URL (default: SQLite in the workspace).")
    ] = None,
    user: Annotated[
        str | None, typer.Option("--user", help="Act as this account (default: OS login).")
    ] = None,
    server: Annotated[
        str | None,
        typer.Option(
            "--server",
            envvar="GENKEND_SERVER",
            help="Send the command to this genkend server (https://...), as the account of "
            "the API token in GENKEND_TOKEN.",
        ),
    ] = None,
    server_ca: Annotated[
        Path | None,
        typer.Option(
            "--server-ca",
            envvar="GENKEND_SERVER_CA",
            help="Verify the server's certificate against this CA file (PEM).",
        ),
    ] = None,
) -> None:
    context = Context(
        home=home, flags={"db": db, "user": user}, server=server or None, server_ca=server_ca
    )
    ctx.obj = context
    ctx.call_on_close(context.close)


for module in (
    settings_cmd,
    db_cmd,
    case_cmd,
    hashset_cmd,
    ingest_cmd,
    evidence_cmd,
    media_cmd,
    export_cmd,
    faces_cmd,
    gallery_cmd,
    search_cmd,
    evaluate_cmd,
    authorisation_cmd,
    user_cmd,
    review_cmd,
    report_cmd,
    retention_cmd,
    audit_cmd,
    keys_cmd,
    partner_cmd,
    serve_cmd,
):
    module.register(app)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the process exit code."""
    _one_faiss_thread()
    _visible_warnings()
    try:
        _command().main(args=argv, prog_name="genkend")
    except GenkendError as exc:
        sys.stderr.write(f"genkend: error: {shown(_in_cli_words(exc))}\n")
        return exc.exit_code
    except SystemExit as exc:
        # Typer (click) exits by itself: 0, 1 from typer.Exit(1), 2 for usage errors.
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0


@functools.cache
def _command() -> Any:
    """The click command behind the Typer app, built once per process (it is costly)."""
    return typer.main.get_command(app)


def _one_faiss_thread() -> None:
    """FAISS defaults to one thread per core; next to ingest workers (or on a shared
    machine) that makes single queries 10-50x slower, so each genkend process uses one."""
    import faiss

    faiss.omp_set_num_threads(1)


def _in_cli_words(exc: GenkendError) -> str:
    """A domain error in the command line's words: a field is named by its flag."""
    if isinstance(exc, InvalidField):
        return f"--{exc.field.replace('_', '-')} {exc.problem}"
    return str(exc)


class _VisibleWarnings(logging.Handler):
    """Warnings to stderr as logging's last resort printed them, but with a file name
    in one unable to steer the terminal; always the current stderr, which tests and
    embedding programs replace."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(shown(self.format(record)) + "\n")
        except Exception:
            self.handleError(record)


_WARNINGS = _VisibleWarnings(logging.WARNING)


def _visible_warnings() -> None:
    logging.getLogger().addHandler(_WARNINGS)  # once: addHandler ignores a repeat


def run() -> None:
    sys.exit(main())
