"""``genkend review``: blind double review of gallery candidates, and disputes.

Reviewer screens show a candidate's identity label, distance, threshold, false-match
rate and probe reference; never imagery, and never another reviewer's decision while
the viewer could still give their own (``genkend.review.candidates``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

import typer

from genkend.cli.context import console, ctx_of, print_json, print_table
from genkend.errors import InvalidField
from genkend.services import review

JsonFlag = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
CandidateArg = Annotated[int, typer.Argument(help="The candidate's id.")]
NoteOption = Annotated[str, typer.Option("--note", help="The reasons, in a sentence or two.")]
CaseOption = Annotated[
    str | None,
    typer.Option(
        "--case",
        help="The candidate's case (needed with --server; a candidate of another is not found).",
    ),
]
COLUMNS = ["id", "identity", "distance", "threshold", "FMR", "probe", "probe sha256", "search"]


def register(app: typer.Typer) -> None:
    group = typer.Typer(
        help="Blind double review of gallery candidates: list, show, decide, resolve.",
        no_args_is_help=True,
    )
    app.add_typer(group, name="review")

    @group.command("list")
    def list_(
        ctx: typer.Context,
        case: Annotated[str, typer.Option("--case", help="The case.")],
        in_dispute: Annotated[
            bool, typer.Option("--disputed", help="Disputed candidates (supervisors).")
        ] = False,
        as_json: JsonFlag = False,
    ) -> None:
        """Candidates awaiting your decision (blind), or disputes awaiting a supervisor."""
        context = ctx_of(ctx)
        server = context.remote()
        if server is not None:
            found = server.review_list(case, in_dispute)
        else:
            session = context.session()
            listed = (
                review.disputed(session, case) if in_dispute else review.awaiting(session, case)
            )
            found = [c.as_dict() for c in listed]
        if as_json:
            print_json(found)
            return
        title = "disputed candidates" if in_dispute else "candidates awaiting your decision"
        print_table(f"{title} in case {case}", COLUMNS, [_row(c) for c in found])

    @group.command("show")
    def show(
        ctx: typer.Context,
        candidate_id: CandidateArg,
        case: CaseOption = None,
        as_json: JsonFlag = False,
    ) -> None:
        """One candidate; other decisions only once yours is given (or to supervisors)."""
        context = ctx_of(ctx)
        server = context.remote()
        if server is not None:
            seen = server.review_show(_case_for(case), candidate_id)
        else:
            seen = review.show(context.session(), candidate_id, case_id=case).as_dict()
        if as_json:
            print_json(seen)
            return
        _print_view(seen)

    @group.command("decide")
    def decide(
        ctx: typer.Context,
        candidate_id: CandidateArg,
        outcome: Annotated[
            str,
            typer.Option("--outcome", help="potential_candidate, no_candidate or inconclusive."),
        ],
        note: NoteOption,
        case: CaseOption = None,
        as_json: JsonFlag = False,
    ) -> None:
        """Give your decision on a candidate; it is final and audited."""
        context = ctx_of(ctx)
        server = context.remote()
        if server is not None:
            made = server.review_decide(_case_for(case), candidate_id, outcome, note)
        else:
            given = review.decide(context.session(), candidate_id, outcome, note, case_id=case)
            made = given.as_dict()
        _print_recorded("decision", made, outcome, as_json)

    @group.command("resolve")
    def resolve(
        ctx: typer.Context,
        candidate_id: CandidateArg,
        outcome: Annotated[
            str, typer.Option("--outcome", help="identified, rejected or inconclusive.")
        ],
        note: NoteOption,
        case: CaseOption = None,
        as_json: JsonFlag = False,
    ) -> None:
        """Settle a disputed candidate (supervisors who did not review it)."""
        context = ctx_of(ctx)
        server = context.remote()
        if server is not None:
            made = server.review_resolve(_case_for(case), candidate_id, outcome, note)
        else:
            settled = review.resolve(context.session(), candidate_id, outcome, note, case_id=case)
            made = settled.as_dict()
        _print_recorded("resolution", made, outcome, as_json)


def _case_for(case: str | None) -> str:
    """The server reaches a candidate under its case's address only."""
    if case is None:
        raise InvalidField("case", "is needed with --server: the candidate's case")
    return case


def _print_recorded(noun: str, seen: Mapping[str, Any], outcome: str, as_json: bool) -> None:
    if as_json:
        print_json(seen)
        return
    console.print(
        f"{noun} recorded on candidate {seen['id']}: {outcome}; candidate is now {seen['status']}"
    )


def _row(c: Mapping[str, Any]) -> list[object]:
    return [
        c["id"],
        c["identity_label"],
        f"{c['distance']:.4f}",
        c["max_distance"],
        "unknown" if c.get("fmr") is None else f"{c['fmr']:.2g}",
        c["probe"],
        c.get("probe_sha256") or "",
        c["search_seq"],
    ]


def _print_view(seen: Mapping[str, Any]) -> None:
    """A candidate as ``View.as_dict()`` gives it (local) or the server sends it."""
    print_table(f"candidate {seen['id']} in case {seen['case_id']}", COLUMNS, [_row(seen)])
    console.print(
        f"backend {seen['backend']}; authorisation {seen['authorisation_id']}; searched by "
        f"{seen['searched_by']}; status {seen['status']}"
        + ("; DUE FOR DELETION" if seen["deletion_due"] else "")
    )
    if seen["blind"]:
        console.print("other decisions are hidden until you have given yours (blind review)")
        return
    print_table(
        "decisions",
        ["reviewer", "role", "outcome", "note", "at"],
        [
            [d["reviewer"], d["role"], d["outcome"], d["note"], d["decided_at"]]
            for d in seen.get("decisions", [])
        ],
    )
