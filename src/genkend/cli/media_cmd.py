"""``genkend media``: the files of a case, their hashes, locations and hits."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from genkend.cli.context import console, ctx_of, print_json, print_table, shown
from genkend.services import media

JsonFlag = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Media of a case: list and show.", no_args_is_help=True)
    app.add_typer(group, name="media")

    @group.command("list")
    def list_(
        ctx: typer.Context,
        case: Annotated[str, typer.Option("--case", help="The case.")],
        status: Annotated[
            str | None,
            typer.Option("--status", help="Only new, known, non_pertinent or near_known."),
        ] = None,
        as_json: JsonFlag = False,
    ) -> None:
        """One entry per distinct file content, with every location and hit (through
        --server: the triage grid's items, with their first file name and face count)."""
        context = ctx_of(ctx)
        server = context.remote()
        if server is not None:
            found = server.media_list(case, status)
        else:
            found = media.list_media(context.session(), case, status)
        if as_json:
            print_json(found)
            return
        print_table(
            f"media of case {case}",
            ["id", "status", "cat", "type", "WxH", "location", "hits", "error"],
            [
                [
                    m["id"],
                    m.get("status", ""),
                    m.get("category"),
                    m.get("mime", m.get("kind")),
                    f"{m['width']}x{m['height']}" if m.get("width") else "",
                    _where(m["locations"]) if "locations" in m else m.get("file_name"),
                    _hits(m),
                    m.get("error") or "",
                ]
                for m in found
            ],
        )

    @group.command("show")
    def show(
        ctx: typer.Context,
        media_id: Annotated[int, typer.Argument(help="The media id.")],
        as_json: JsonFlag = False,
    ) -> None:
        """Everything known about one file content."""
        found = media.show(ctx_of(ctx).session(), media_id)
        if as_json:
            print_json(found)
            return
        for key, value in found.items():
            console.print(f"{key:16} {shown(value)}")


def _hits(m: dict[str, Any]) -> object:
    """Hash-set hits and look-alikes; a grid item (through --server) has none listed."""
    if "hash_hits" not in m:
        return "-"
    return len(m["hash_hits"]) + len(m.get("near_duplicates", []))


def _where(locations: list[dict[str, object]]) -> str:
    first = str(locations[0]["location"]) if locations else ""
    return first + (f" (+{len(locations) - 1})" if len(locations) > 1 else "")
