"""``genkend faces`` and ``genkend clusters``: faces of a case, their clusters, corrections."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from genkend.cli.context import console, ctx_of, print_json, print_table
from genkend.errors import UsageError
from genkend.services import clusters as cluster_service
from genkend.services import faces as face_service

JsonFlag = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
CaseOption = Annotated[str, typer.Option("--case", help="The case.")]


def register(app: typer.Typer) -> None:
    faces = typer.Typer(help="Faces of a case: list, export, cluster.", no_args_is_help=True)
    clusters = typer.Typer(
        help="Clusters (presumed persons) of a case: list and correct.", no_args_is_help=True
    )
    app.add_typer(faces, name="faces")
    app.add_typer(clusters, name="clusters")

    @faces.command("list")
    def list_(ctx: typer.Context, case: CaseOption, as_json: JsonFlag = False) -> None:
        """Every face: id, media, location, box, score, quality, cluster."""
        found = face_service.list_faces(ctx_of(ctx).session(), case)
        if as_json:
            print_json(found)
            return
        print_table(
            f"faces of case {case}",
            ["id", "media", "location", "box", "score", "quality", "cluster"],
            [
                [
                    f["id"],
                    f["media_id"],
                    f["location"],
                    f["box"],
                    f"{f['score']:.2f}",
                    f"{f['quality']:.2f}",
                    f["cluster_id"],
                ]
                for f in found
            ],
        )

    @faces.command("export")
    def export(
        ctx: typer.Context,
        case: CaseOption,
        output: Annotated[Path, typer.Option("-o", "--output", help="The .npz file to write.")],
        purpose: Annotated[str, typer.Option("--purpose", help="Why this export is made.")],
        legal_basis: Annotated[str, typer.Option("--legal-basis", help="The legal basis.")],
        backend: Annotated[
            str | None,
            typer.Option(
                "--backend", help="Embeddings of this backend (default: the case's most common)."
            ),
        ] = None,
    ) -> None:
        """Export face ids, media ids, locations, boxes and embeddings as NumPy arrays."""
        done = face_service.export(
            ctx_of(ctx).session(), case, output, purpose, legal_basis, backend
        )
        console.print(f"wrote {done.faces} faces of case {case} to {output} (sha256 {done.sha256})")

    @faces.command("cluster")
    def cluster(
        ctx: typer.Context,
        case: CaseOption,
        rebuild: Annotated[
            bool, typer.Option("--rebuild", help="Dissolve unconfirmed clusters and cluster again.")
        ] = False,
        as_json: JsonFlag = False,
    ) -> None:
        """Group the case's unclustered faces into presumed persons (incremental)."""
        summary = face_service.cluster(ctx_of(ctx).session(), case, rebuild)
        if as_json:
            print_json(summary)
        else:
            console.print(
                f"case {case}: {summary['new_faces']} new faces clustered, "
                f"{summary['new_clusters']} new clusters"
            )

    @clusters.command("list")
    def clusters_list(ctx: typer.Context, case: CaseOption, as_json: JsonFlag = False) -> None:
        """One entry per cluster: id, label, size and its face ids."""
        found = cluster_service.list_clusters(ctx_of(ctx).session(), case)
        if as_json:
            print_json(found)
            return
        print_table(
            f"clusters of case {case}",
            ["id", "label", "confirmed", "size", "faces"],
            [
                [
                    c["id"],
                    c["label"],
                    c["confirmed"],
                    c["size"],
                    " ".join(map(str, c["face_ids"][:12])) + (" ..." if c["size"] > 12 else ""),
                ]
                for c in found
            ],
        )

    @clusters.command("merge")
    def merge(
        ctx: typer.Context,
        case: CaseOption,
        keep: Annotated[int, typer.Argument(help="The cluster that stays.")],
        other: Annotated[int, typer.Argument(help="The cluster merged into it.")],
    ) -> None:
        """The two clusters are one person."""
        cluster_service.merge(ctx_of(ctx).session(), case, keep, other)
        console.print(f"merged cluster {other} into {keep}")

    @clusters.command("split")
    def split(
        ctx: typer.Context,
        case: CaseOption,
        cluster_id: Annotated[int, typer.Argument(help="The cluster to split.")],
        faces_: Annotated[
            str,
            typer.Option("--faces", help="Comma-separated face ids that leave into a new cluster."),
        ],
    ) -> None:
        """These faces are not the same person as the rest of the cluster."""
        try:
            ids = [int(x) for x in faces_.split(",") if x.strip()]
        except ValueError:
            raise UsageError("--faces takes comma-separated face ids") from None
        new_id = cluster_service.split(ctx_of(ctx).session(), case, cluster_id, ids)
        console.print(f"faces {ids} moved from cluster {cluster_id} to new cluster {new_id}")

    @clusters.command("name")
    def name(
        ctx: typer.Context,
        case: CaseOption,
        cluster_id: Annotated[int, typer.Argument(help="The cluster.")],
        label: Annotated[str, typer.Argument(help="The name, e.g. 'Child A'.")],
    ) -> None:
        """Name and confirm a cluster."""
        cluster_service.name(ctx_of(ctx).session(), case, cluster_id, label)
        console.print(f"cluster {cluster_id} is now {label!r} (confirmed)")
