"""``genkend gallery`` and ``genkend search``: known persons, and 1:N face search."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from genkend import gallery, search
from genkend.cli.context import console, ctx_of, err_console, print_json, print_table, shown
from genkend.governance.access import CONTENT_ROLES, INVESTIGATORS, SUPERVISORS
from genkend.ingest import face_options

JsonFlag = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
StatusOption = Annotated[str, typer.Option("--status", help="identified or unidentified_series.")]


def register(app: typer.Typer) -> None:
    group = typer.Typer(
        help="The gallery of known persons: enrol, import, list, promote.", no_args_is_help=True
    )
    finder = typer.Typer(
        help="1:N biometric search (purpose and legal basis required).", no_args_is_help=True
    )
    app.add_typer(group, name="gallery")
    app.add_typer(finder, name="search")

    @group.command("enroll")
    def enroll(
        ctx: typer.Context,
        identity: Annotated[str, typer.Option("--identity", help="The identity's label.")],
        images: Annotated[list[Path], typer.Argument(help="Photos of the person.")],
        status: StatusOption = "unidentified_series",
        provenance: Annotated[
            str, typer.Option("--provenance", help="Where the photos come from.")
        ] = "",
        notes: Annotated[str, typer.Option("--notes", help="Free text.")] = "",
        as_json: JsonFlag = False,
    ) -> None:
        """Enrol the largest face of each photo under an identity."""
        ctx_of(ctx).need("gallery enroll", INVESTIGATORS | SUPERVISORS)
        ws = ctx_of(ctx).workspace()
        done = gallery.enroll(
            ws, face_options(ws.settings), identity, images, status, provenance, notes
        )
        _report([done.as_dict()], as_json)

    @group.command("import")
    def import_(
        ctx: typer.Context,
        folder: Annotated[Path, typer.Argument(help="A folder with one subfolder per identity.")],
        status: StatusOption = "unidentified_series",
        as_json: JsonFlag = False,
    ) -> None:
        """Enrol every identity of a folder (subfolder name = label)."""
        ctx_of(ctx).need("gallery import", INVESTIGATORS | SUPERVISORS)
        ws = ctx_of(ctx).workspace()
        done = gallery.import_folder(ws, face_options(ws.settings), folder, status)
        _report([d.as_dict() for d in done], as_json)

    @group.command("list")
    def list_(
        ctx: typer.Context,
        case: Annotated[str, typer.Option("--case", help="The case the listing serves.")],
        purpose: Annotated[str, typer.Option("--purpose", help="Why the gallery is read.")],
        legal_basis: Annotated[str, typer.Option("--legal-basis", help="The legal basis.")],
        as_json: JsonFlag = False,
    ) -> None:
        """Every gallery identity with its status and face count (audited)."""
        ctx_of(ctx).need("gallery list", CONTENT_ROLES, case)
        found = gallery.consult(ctx_of(ctx).workspace(), case, purpose, legal_basis)
        if as_json:
            print_json(found)
            return
        print_table(
            "gallery",
            ["id", "label", "status", "faces", "provenance"],
            [[i["id"], i["label"], i["status"], i["faces"], i["provenance"]] for i in found],
        )

    @group.command("promote")
    def promote(
        ctx: typer.Context,
        case: Annotated[str, typer.Option("--case", help="The case.")],
        cluster: Annotated[int, typer.Option("--cluster", help="The cluster to promote.")],
        identity: Annotated[str, typer.Option("--identity", help="The identity's label.")],
        status: StatusOption = "unidentified_series",
    ) -> None:
        """Add a case cluster's faces to the gallery as an identity."""
        ctx_of(ctx).need("gallery promote", INVESTIGATORS, case)
        count = gallery.promote(ctx_of(ctx).workspace(), case, cluster, identity, status)
        console.print(f"promoted {count} faces of cluster {cluster} to identity {identity!r}")

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
            float, typer.Option("--max-distance", help="Largest distance returned.")
        ] = 0.6,
        as_json: JsonFlag = False,
    ) -> None:
        """Rank candidates for the largest face of a photo."""
        ctx_of(ctx).need("search face", INVESTIGATORS, case)
        ws = ctx_of(ctx).workspace()
        request = search.Request(
            image, case, purpose, legal_basis, in_gallery, all_cases, k, max_distance
        )
        result = search.run(ws, face_options(ws.settings), request)
        if as_json:
            print_json(result.as_dict())
            return
        console.print(
            f"{result.kind} against {result.reference} (version "
            f"{result.reference_version}), backend {result.backend}; audit event "
            f"{result.audit_seq}"
        )
        if result.calibration_id is None:
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
                    c.get("label") or c.get("location"),
                    f"{c['distance']:.4f}",
                    c["max_distance"],
                    "-" if c["fmr"] is None else f"{c['fmr']:.2g}",
                ]
                for c in result.candidates
            ],
        )


def _report(done: list[dict[str, Any]], as_json: bool) -> None:
    if as_json:
        print_json(done)
        return
    for item in done:
        console.print(f"{shown(item['label'])}: enrolled {len(item['enrolled'])} face(s)")
        for path, why in item["failed"].items():
            err_console.print(f"  not enrolled: {shown(path)}: {shown(why)}")
