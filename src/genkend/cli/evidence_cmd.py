"""``genkend verify-evidence``: recompute an evidence source's hash and check it.

Exit code 0 when every comparison agrees (or there was nothing to compare with yet:
the first verification is the baseline), 1 on a mismatch or unreadable evidence, with
the result said loudly on stderr; the result is recorded and audited either way.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from genkend.cli.context import console, ctx_of, err_console, print_json, print_table, shown
from genkend.services import evidence


def register(app: typer.Typer) -> None:
    @app.command("verify-evidence")
    def verify_evidence(
        ctx: typer.Context,
        source: Annotated[
            str, typer.Argument(help="The source id in the case, or the path ingested.")
        ],
        case: Annotated[str, typer.Option("--case", help="The case the source belongs to.")],
        as_json: Annotated[bool, typer.Option("--json", help="Machine-readable result.")] = False,
    ) -> None:
        """Recompute the evidence's SHA-256/SHA-1/MD5; compare with the EWF container and
        the first verification; record the result."""
        found = evidence.verify(ctx_of(ctx).session(), case, source).as_dict()
        if as_json:
            print_json(found)
        else:
            show_verification(found)
        if not verdict(found, quiet=as_json):
            raise typer.Exit(1)


def show_verification(found: dict[str, Any]) -> None:
    """One verification as a table: what was read, what it gave, what it was compared with."""
    rows = [
        ["stage", found["stage"]],
        ["evidence", f"{found['container']} ({found['scope']})"],
        ["bytes read", found["bytes"]],
        ["sha256", found.get("sha256")],
        ["md5", found.get("md5")],
        ["sha1", found.get("sha1")],
    ]
    for check in found["checks"]:
        outcome = "agrees" if check["ok"] else f"DIFFERS: expected {check['expected']}"
        rows.append([f"{check['algorithm']} vs {check['against']}", outcome])
    print_table(f"verification {found['id']} of {found['source_id']}", ["", "value"], rows)


def verdict(found: dict[str, Any], quiet: bool = False) -> bool:
    """Say the outcome (a failure on stderr, always; success on stdout unless ``quiet``);
    False when it must fail the command (mismatch, unreadable)."""
    where = f"{found['source_id']} of case {found['case_id']}"
    if found["error"]:
        err_console.print(f"EVIDENCE NOT VERIFIED: {shown(where)}: {shown(found['error'])}")
        return False
    if found["match"] is False:
        err_console.print(
            f"EVIDENCE MISMATCH: {shown(where)} does not have the hash it should "
            "(see the checks above; recorded and audited)"
        )
        return False
    if quiet:
        return True
    if found["match"] is None:
        console.print("nothing to compare with yet: this verification is the source's baseline")
    else:
        console.print(f"verified: {shown(where)} is unchanged")
    return True
