"""``genkend review``: blind double review of gallery candidates, and disputes.

Reviewer screens show a candidate's identity label, distance, threshold, false-match
rate and probe reference; never imagery, and never another reviewer's decision while
the viewer could still give their own (``genkend.review.candidates``).
"""

from __future__ import annotations

from typing import Annotated

import typer

from genkend.cli.context import console, ctx_of, print_json, print_table
from genkend.review.candidates import Candidate, View
from genkend.services import review

JsonFlag = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
CandidateArg = Annotated[int, typer.Argument(help="The candidate's id.")]
NoteOption = Annotated[str, typer.Option("--note", help="The reasons, in a sentence or two.")]
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
        session = ctx_of(ctx).session()
        found = review.disputed(session, case) if in_dispute else review.awaiting(session, case)
        if as_json:
            print_json([c.as_dict() for c in found])
            return
        title = "disputed candidates" if in_dispute else "candidates awaiting your decision"
        print_table(f"{title} in case {case}", COLUMNS, [_row(c) for c in found])

    @group.command("show")
    def show(ctx: typer.Context, candidate_id: CandidateArg, as_json: JsonFlag = False) -> None:
        """One candidate; other decisions only once yours is given (or to supervisors)."""
        shown = review.show(ctx_of(ctx).session(), candidate_id)
        if as_json:
            print_json(shown.as_dict())
            return
        _print_view(shown)

    @group.command("decide")
    def decide(
        ctx: typer.Context,
        candidate_id: CandidateArg,
        outcome: Annotated[
            str,
            typer.Option("--outcome", help="potential_candidate, no_candidate or inconclusive."),
        ],
        note: NoteOption,
        as_json: JsonFlag = False,
    ) -> None:
        """Give your decision on a candidate; it is final and audited."""
        shown = review.decide(ctx_of(ctx).session(), candidate_id, outcome, note)
        _print_recorded("decision", shown, outcome, as_json)

    @group.command("resolve")
    def resolve(
        ctx: typer.Context,
        candidate_id: CandidateArg,
        outcome: Annotated[
            str, typer.Option("--outcome", help="identified, rejected or inconclusive.")
        ],
        note: NoteOption,
        as_json: JsonFlag = False,
    ) -> None:
        """Settle a disputed candidate (supervisors who did not review it)."""
        shown = review.resolve(ctx_of(ctx).session(), candidate_id, outcome, note)
        _print_recorded("resolution", shown, outcome, as_json)


def _print_recorded(noun: str, shown: View, outcome: str, as_json: bool) -> None:
    if as_json:
        print_json(shown.as_dict())
        return
    console.print(
        f"{noun} recorded on candidate {shown.candidate.id}: {outcome}; "
        f"candidate is now {shown.candidate.status}"
    )


def _row(c: Candidate) -> list[object]:
    return [
        c.id,
        c.identity_label,
        f"{c.distance:.4f}",
        c.max_distance,
        "unknown" if c.fmr is None else f"{c.fmr:.2g}",
        c.probe,
        c.probe_sha256 or "",
        c.search_seq,
    ]


def _print_view(shown: View) -> None:
    c = shown.candidate
    print_table(f"candidate {c.id} in case {c.case_id}", COLUMNS, [_row(c)])
    console.print(
        f"backend {c.backend}; authorisation {c.authorisation_id}; searched by "
        f"{c.searched_by}; status {c.status}" + ("; DUE FOR DELETION" if c.deletion_due else "")
    )
    if shown.blind:
        console.print("other decisions are hidden until you have given yours (blind review)")
        return
    print_table(
        "decisions",
        ["reviewer", "role", "outcome", "note", "at"],
        [[d.reviewer, d.role, d.outcome, d.note, d.decided_at] for d in shown.decisions],
    )
