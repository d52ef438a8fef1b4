"""``genkend faces`` and ``genkend clusters``: faces of a case, their clusters, corrections."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from genkend import face_catalog, grouping
from genkend.cli.context import console, ctx_of, print_json, print_table
from genkend.cluster import ClusterParams
from genkend.errors import UsageError
from genkend.faces.pipeline import backend_for
from genkend.governance import audit, cases
from genkend.governance.access import CONTENT_ROLES, INVESTIGATORS, require_purpose
from genkend.hashes import digests as hashing
from genkend.ingest import face_options

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
        ctx_of(ctx).need("faces list", CONTENT_ROLES, case)
        with ctx_of(ctx).workspace().store.read() as conn:
            cases.get(conn, case)
            found = list(face_catalog.list_faces(conn, case))
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
        ctx_of(ctx).need("faces export", INVESTIGATORS, case)
        ws = ctx_of(ctx).workspace()
        require_purpose(purpose, legal_basis, "an export of biometric data")
        with ws.store.read() as conn:
            cases.get(conn, case)
            known = face_catalog.backends(conn, case)
            chosen = backend or (known[0] if known else None)
            if chosen is None:
                raise UsageError(f"case {case} has no faces to export")
            count = face_catalog.export_npz(conn, case, chosen, output)
        with output.open("rb") as written:
            digest = hashing.digest(written).sha256
        with ws.store.begin() as conn:
            audit.record(
                conn,
                ws.actor,
                "export.faces",
                f"case:{case}",
                {
                    "file": str(output.absolute()),
                    "sha256": digest,
                    "faces": count,
                    "backend": chosen,
                    "purpose": purpose,
                    "legal_basis": legal_basis,
                },
            )
        console.print(f"wrote {count} faces of case {case} to {output} (sha256 {digest})")

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
        ctx_of(ctx).need("faces cluster", INVESTIGATORS, case)
        ws = ctx_of(ctx).workspace()
        params = ClusterParams()  # thresholds chosen by measurement: see genkend.cluster
        backend = backend_for(face_options(ws.settings)).name
        summary = grouping.cluster_case(ws, case, backend, params, rebuild)
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
        ctx_of(ctx).need("clusters list", CONTENT_ROLES, case)
        with ctx_of(ctx).workspace().store.read() as conn:
            found = grouping.list_clusters(conn, case)
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
        ctx_of(ctx).need("clusters merge", INVESTIGATORS, case)
        grouping.merge(ctx_of(ctx).workspace(), case, keep, other)
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
        ctx_of(ctx).need("clusters split", INVESTIGATORS, case)
        try:
            ids = [int(x) for x in faces_.split(",") if x.strip()]
        except ValueError:
            raise UsageError("--faces takes comma-separated face ids") from None
        new_id = grouping.split(ctx_of(ctx).workspace(), case, cluster_id, ids)
        console.print(f"faces {ids} moved from cluster {cluster_id} to new cluster {new_id}")

    @clusters.command("name")
    def name(
        ctx: typer.Context,
        case: CaseOption,
        cluster_id: Annotated[int, typer.Argument(help="The cluster.")],
        label: Annotated[str, typer.Argument(help="The name, e.g. 'Child A'.")],
    ) -> None:
        """Name and confirm a cluster."""
        ctx_of(ctx).need("clusters name", INVESTIGATORS, case)
        grouping.name(ctx_of(ctx).workspace(), case, cluster_id, label)
        console.print(f"cluster {cluster_id} is now {label!r} (confirmed)")
