"""``genkend gallery``: the known persons a face search identifies against."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from genkend.cli.context import console, ctx_of, err_console, print_json, print_table, shown
from genkend.services import gallery

JsonFlag = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
StatusOption = Annotated[str, typer.Option("--status", help="identified or unidentified_series.")]


def register(app: typer.Typer) -> None:
    group = typer.Typer(
        help="The gallery of known persons: enrol, import, list, promote.", no_args_is_help=True
    )
    app.add_typer(group, name="gallery")

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
        session = ctx_of(ctx).session()
        done = gallery.enroll(session, identity, images, status, provenance, notes)
        _report([done.as_dict()], as_json)

    @group.command("import")
    def import_(
        ctx: typer.Context,
        folder: Annotated[Path, typer.Argument(help="A folder with one subfolder per identity.")],
        status: StatusOption = "unidentified_series",
        as_json: JsonFlag = False,
    ) -> None:
        """Enrol every identity of a folder (subfolder name = label)."""
        done = gallery.import_folder(ctx_of(ctx).session(), folder, status)
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
        found = gallery.consult(ctx_of(ctx).session(), case, purpose, legal_basis)
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
        count = gallery.promote(ctx_of(ctx).session(), case, cluster, identity, status)
        console.print(f"promoted {count} faces of cluster {cluster} to identity {identity!r}")


def _report(done: list[dict[str, Any]], as_json: bool) -> None:
    if as_json:
        print_json(done)
        return
    for item in done:
        console.print(f"{shown(item['label'])}: enrolled {len(item['enrolled'])} face(s)")
        for path, why in item["failed"].items():
            err_console.print(f"  not enrolled: {shown(path)}: {shown(why)}")
