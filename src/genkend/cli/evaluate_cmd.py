"""``genkend evaluate``: the configured face backend's accuracy on a labelled folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from genkend.cli.context import console, ctx_of, err_console, print_json, print_table
from genkend.services import evaluation


def register(app: typer.Typer) -> None:
    @app.command("evaluate")
    def evaluate_(
        ctx: typer.Context,
        folder: Annotated[Path, typer.Argument(help="Identity subfolders, or a labels.csv.")],
        seed: Annotated[int, typer.Option("--seed", help="Seed for sampled pairs.")] = 0,
        workers: Annotated[
            int | None, typer.Option("--workers", help="Worker processes (default: one per core).")
        ] = None,
        report: Annotated[
            Path | None, typer.Option("--report", help="Write an HTML report here.")
        ] = None,
        calibrate: Annotated[
            bool,
            typer.Option(
                "--calibrate", help="Store the distance -> FMR table that search results quote."
            ),
        ] = False,
        as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    ) -> None:
        """Failure to enrol, 1:1 and 1:N error rates and clustering scores, by protocol."""
        done = evaluation.evaluate(ctx_of(ctx).session(), folder, seed, workers, report, calibrate)
        data = done.result.to_dict()
        if as_json:
            print_json(done.as_dict())
            return
        console.print(f"evaluated {done.backend} on {folder}: {done.photos} photos")
        print_table("results", ["measure", "value"], _rows(data))
        if report is not None:
            console.print(f"report: {report}")
        if done.calibration_id is not None:
            err_console.print(f"calibration {done.calibration_id} stored for {done.backend}")


def _rows(data: dict[str, object], prefix: str = "") -> list[list[object]]:
    rows: list[list[object]] = []
    for key, value in data.items():
        if key in {"histograms", "curves", "protocol", "cmc"}:
            continue
        if isinstance(value, dict):
            rows += _rows(value, f"{prefix}{key}.")
        elif not isinstance(value, list):
            rows.append([prefix + key, value])
    return rows
