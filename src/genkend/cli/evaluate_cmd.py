"""``genkend evaluate``: the configured face backend's accuracy on a labelled folder."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from genkend import search
from genkend.cli.context import console, ctx_of, err_console, print_json, print_table
from genkend.evaluate import BackendSpec, calibration, embed_folder, evaluate, load_folder
from genkend.faces.pipeline import face_options
from genkend.governance import audit
from genkend.governance.access import ADMINS, INVESTIGATORS, SUPERVISORS
from genkend.report import write_html


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
        ctx_of(ctx).need("evaluate", INVESTIGATORS | SUPERVISORS | ADMINS)
        if calibrate:
            ctx_of(ctx).need("evaluate --calibrate", SUPERVISORS | ADMINS)
        ws = ctx_of(ctx).workspace()
        options = face_options(ws.settings)
        photos = load_folder(folder)
        enrolment = embed_folder(
            BackendSpec(options.backend, dict(options.options)),
            photos,
            workers=workers if workers is not None else (os.cpu_count() or 1),
            max_side=options.max_side,
            max_pixels=ws.settings.max_pixels,
        )
        result = evaluate(enrolment, seed)
        calibration_id = None
        if calibrate:
            calibration_id = search.save_calibration(ws, calibration(enrolment, seed))
        if report is not None:
            write_html(result, report)
        with ws.store.begin() as conn:
            audit.record(
                conn,
                ws.actor,
                "evaluate",
                f"backend:{enrolment.backend}",
                {
                    "folder": str(folder.absolute()),
                    "photos": len(photos),
                    "seed": seed,
                    "report": str(report.absolute()) if report else None,
                    "calibration_id": calibration_id,
                },
            )
        data = result.to_dict()
        if as_json:
            print_json({**data, "calibration_id": calibration_id})
            return
        console.print(f"evaluated {enrolment.backend} on {folder}: {len(photos)} photos")
        print_table("results", ["measure", "value"], _rows(data))
        if report is not None:
            console.print(f"report: {report}")
        if calibration_id is not None:
            err_console.print(f"calibration {calibration_id} stored for {enrolment.backend}")


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
