"""``genkend search``: 1:N face search, against the gallery or the faces of cases."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from genkend.cli.context import console, ctx_of, err_console, print_json, print_table
from genkend.services import search

JsonFlag = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def register(app: typer.Typer) -> None:
    finder = typer.Typer(
        help="1:N biometric search (purpose and legal basis required).", no_args_is_help=True
    )
    app.add_typer(finder, name="search")

    @finder.command("face")
    def face(
        ctx: typer.Context,
        image: Annotated[Path, typer.Option("--image", help="The probe photo.")],
        case: Annotated[str, typer.Option("--case", help="The case the search serves.")],
        purpose: Annotated[str, typer.Option("--purpose", help="Why this search is made.")],
        legal_basis: Annotated[str, typer.Option("--legal-basis", help="The legal basis.")],
        in_gallery: Annotated[
            bool,
            typer.Option(
                "--gallery", help="Identify against the gallery (else: link within the case)."
            ),
        ] = False,
        all_cases: Annotated[
            bool, typer.Option("--all-cases", help="Link against the faces of every case.")
        ] = False,
        k: Annotated[int, typer.Option("--k", help="Most candidates returned.")] = 10,
        max_distance: Annotated[
            float | None,
            typer.Option(
                "--max-distance",
                help="Largest distance returned (default: the setting search_max_distance).",
            ),
        ] = None,
        as_json: JsonFlag = False,
    ) -> None:
        """Rank candidates for the largest face of a photo."""
        context = ctx_of(ctx)
        server = context.remote()
        asked = (image, case, purpose, legal_basis, in_gallery, all_cases, k, max_distance)
        if server is not None:
            result = server.search_face(*asked)
        else:
            result = search.face(context.session(), *asked).as_dict()
        if as_json:
            print_json(result)
            return
        print_result(result)


def print_result(result: dict[str, Any]) -> None:
    """A search as ``search.Result.as_dict()`` gives it (local) or the server sends it."""
    console.print(
        f"{result['kind']} against {result['reference']} (version "
        f"{result['reference_version']}), backend {result['backend']}; audit event "
        f"{result['audit_seq']}"
    )
    if result.get("calibration_id") is None:
        err_console.print(
            "no calibration for this backend: false-match rates unknown "
            "(run genkend evaluate --calibrate)"
        )
    print_table(
        "candidates",
        ["rank", "kind", "id", "label/location", "distance", "threshold", "FMR"],
        [
            [
                c["rank"],
                c["kind"],
                c["id"],
                c.get("label") if c["kind"] == "identity" else c.get("location"),
                f"{c['distance']:.4f}",
                c["max_distance"],
                "-" if c.get("fmr") is None else f"{c['fmr']:.2g}",
            ]
            for c in result["candidates"]
        ],
    )
