"""``genkend review``: blind double review of gallery candidates, and disputes.

Reviewer screens show a candidate's identity label, distance, threshold, false-match
rate and probe reference; never imagery, and never another reviewer's decision while
the viewer could still give their own (``genkend.review``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated

import typer
from sqlalchemy import Connection

from genkend import review
from genkend.cli.context import Context, console, ctx_of, print_json, print_table
from genkend.errors import PermissionDenied
from genkend.governance.access import REVIEWERS, SUPERVISORS
from genkend.records import Actor

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
        context = ctx_of(ctx)
        if in_dispute:
            context.need("review list --disputed", SUPERVISORS, case)
        else:
            context.need("review list", REVIEWERS, case)
        ws = context.workspace()
        with ws.store.read() as conn:
            found = (
                review.disputed(conn, case)
                if in_dispute
                else review.awaiting(conn, ws.actor.name, case)
            )
        if as_json:
            print_json([c.as_dict() for c in found])
            return
        title = "disputed candidates" if in_dispute else "candidates awaiting your decision"
        print_table(f"{title} in case {case}", COLUMNS, [_row(c) for c in found])

    @group.command("show")
    def show(ctx: typer.Context, candidate_id: CandidateArg, as_json: JsonFlag = False) -> None:
        """One candidate; other decisions only once yours is given (or to supervisors)."""
        context = ctx_of(ctx)
        account = context.need(
            "review show", REVIEWERS | SUPERVISORS, _case_of(context, candidate_id)
        )
        with context.workspace().store.read() as conn:
            shown = review.view(conn, account, candidate_id)
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
        _settle(ctx, candidate_id, DECIDE, outcome, note, as_json)

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
        _settle(ctx, candidate_id, RESOLVE, outcome, note, as_json)


@dataclass(frozen=True)
class _Step:
    """A review action: who may take it, and the function that records it."""

    action: str
    roles: frozenset[str]
    noun: str
    record: Callable[[Connection, Actor, int, str, str], review.View]


DECIDE = _Step("review decide", REVIEWERS, "decision", review.decide)
RESOLVE = _Step("review resolve", SUPERVISORS, "resolution", review.resolve)


def _settle(
    ctx: typer.Context, candidate_id: int, step: _Step, outcome: str, note: str, as_json: bool
) -> None:
    context = ctx_of(ctx)
    context.need(step.action, step.roles, _case_of(context, candidate_id))
    ws = context.workspace()
    with _refusals_audited(context, candidate_id, step.action), ws.store.begin() as conn:
        shown = step.record(conn, ws.actor, candidate_id, outcome, note)
    if as_json:
        print_json(shown.as_dict())
        return
    console.print(
        f"{step.noun} recorded on candidate {candidate_id}: {outcome}; "
        f"candidate is now {shown.candidate.status}"
    )


@contextmanager
def _refusals_audited(context: Context, candidate_id: int, action: str) -> Iterator[None]:
    """Audit a refusal after the refused transaction has rolled back."""
    try:
        yield
    except PermissionDenied as refusal:
        ws = context.workspace()
        review.audit_refusal(ws.store, ws.actor, candidate_id, action, refusal)
        raise


def _case_of(context: Context, candidate_id: int) -> str:
    with context.workspace().store.read() as conn:
        return review.get(conn, candidate_id).case_id


def _row(c: review.Candidate) -> list[object]:
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


def _print_view(shown: review.View) -> None:
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
