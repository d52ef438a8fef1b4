"""Who may do what: accounts, roles, case membership, and the check every command makes.

Roles (a person can hold several):

    investigator  creates cases, ingests evidence, triages, searches, proposes
    reviewer      confirms or rejects candidate matches, blind to other reviewers
    supervisor    records authorisations, manages case membership, settles disputes
    auditor       reads and verifies the audit trail and usage reports; sees no imagery
    admin         manages accounts and retention; sees no case content unless a member

Need-to-know (docs/governance.md): case content, and every change to a case (its
members, authorisations, erasure), needs membership of that case. Membership is given
only by someone who has it: the case's creator or a supervisor who is a member. So no
account, and no account an admin creates, can make itself or its maker a member. An
admin sets passwords and issues tokens only for accounts that are members of no case,
so account management never hands an admin a member's credentials. Auditors oversee
every case's trail; supervisors and admins only the trail of their own cases.

The CLI acts as a named account (``--user`` / ``GENKEND_USER``): whoever can write the
workspace folder may run it (the operating system guards the folder), so the CLI needs
no password, until the workspace is served (``mark_served``): then it acts as the
operator or as the account of ``GENKEND_TOKEN`` (``governance.local``). Passwords
(Argon2id, via argon2-cffi) and API tokens (``governance.authentication``) are for the
web and API. A new workspace has no accounts: the only command it
accepts is ``genkend user add NAME --role admin``.

Invariant: ``require`` is the single gate (``deny`` its refusal). A refusal is a
``PermissionDenied`` with a clear message, and an ``access.denied`` audit event committed
in its own transaction (the refused command changes nothing else).
"""

from __future__ import annotations

import getpass
import re
import socket
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NoReturn

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from genkend.clock import utc_now_text
from genkend.errors import AlreadyExists, InvalidField, NotFound, PermissionDenied, UsageError
from genkend.governance import audit
from genkend.records import Actor
from genkend.store import Connection, Store
from genkend.store import accounts as stored_accounts
from genkend.store import cases as stored_cases
from genkend.store import web_sessions as stored_sessions

ROLES = ("investigator", "reviewer", "supervisor", "auditor", "admin")
# Who may do what, by role; case content also needs membership of the case.
INVESTIGATORS = frozenset({"investigator"})
REVIEWERS = frozenset({"reviewer"})
SUPERVISORS = frozenset({"supervisor"})
ADMINS = frozenset({"admin"})
CONTENT_ROLES = frozenset({"investigator", "reviewer", "supervisor"})
OVERSIGHT = frozenset({"auditor", "supervisor", "admin"})
AUDITORS = frozenset({"auditor"})
ANYONE = frozenset(ROLES)
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,199}$")
_HASHER = PasswordHasher()


@dataclass(frozen=True)
class Account:
    name: str
    roles: frozenset[str]
    enabled: bool
    created_at: str = ""
    created_by: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "roles": sorted(self.roles),
            "enabled": self.enabled,
            "created_at": self.created_at,
            "created_by": self.created_by,
        }


def current_actor(user: str | None) -> Actor:
    """The local operator acting as ``user`` (default: the OS login name); every audit
    event of the CLI records the operating-system user beside the account."""
    name = user or _os_login()
    if not _NAME.fullmatch(name):
        raise UsageError(f"invalid user name {name!r}: letters, digits, . _ @ - only")
    return Actor(name=name, host=local_host())


def valid_name(name: str) -> bool:
    """Whether ``name`` can be an account name (letters, digits, . _ @ -; 200 at most)."""
    return bool(_NAME.fullmatch(name))


def local_host() -> str:
    """``<os user>@<hostname>``: who is at the keyboard of a local command."""
    return f"{_os_login()}@{socket.gethostname()}"


def _os_login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


# ---------------------------------------------------------------- accounts


def has_accounts(conn: Connection) -> bool:
    return stored_accounts.has_any(conn)


def get_account(conn: Connection, name: str) -> Account | None:
    row = stored_accounts.row(conn, name)
    if row is None:
        return None
    return Account(
        row.name,
        frozenset(filter(None, row.roles.split(","))),
        row.enabled,
        row.created_at,
        row.created_by,
    )


def list_accounts(conn: Connection) -> list[Account]:
    names = stored_accounts.names(conn)
    return [a for a in (get_account(conn, n) for n in names) if a is not None]


def check_roles(roles: Iterable[str]) -> frozenset[str]:
    chosen = frozenset(roles)
    unknown = sorted(chosen - set(ROLES))
    if unknown or not chosen:
        raise UsageError(
            f"roles must be among {', '.join(ROLES)} (got {', '.join(unknown) or 'none'})"
        )
    return chosen


def create_account(
    conn: Connection, actor: Actor, name: str, roles: Iterable[str], password: str | None
) -> Account:
    """Insert an account (the caller has checked that ``actor`` may, or it is the first)."""

    if password is not None:
        check_password(password)
    if not _NAME.fullmatch(name):
        raise UsageError(f"invalid account name {name!r}: letters, digits, . _ @ - only")
    chosen = check_roles(roles)
    if get_account(conn, name) is not None:
        raise AlreadyExists(f"account {name} already exists")
    now = utc_now_text()
    secret = _HASHER.hash(password) if password else None
    stored_accounts.insert_account(conn, name, ",".join(sorted(chosen)), secret, now, actor.name)
    audit.record(
        conn,
        actor,
        "account.create",
        f"account:{name}",
        {"roles": sorted(chosen), "password": password is not None},
    )
    return Account(name, chosen, True, now, actor.name)


def create_first_account(
    store: Store,
    actor: Actor,
    name: str,
    roles: Iterable[str],
    password: Callable[[], str | None],
) -> Account | None:
    """A new workspace's first account, which must be an admin; ``None`` once the workspace
    has accounts (then only an admin adds one: ``services.accounts.add``). There is no
    one yet to check, so this is the one account change that passes no gate. The
    password is asked for only when the account is made."""
    with store.begin() as conn:
        if has_accounts(conn):
            return None
        if "admin" not in roles:
            raise UsageError("the first account of a workspace must have --role admin")
        return create_account(conn, actor, name, roles, password())


def check_password(password: str) -> None:
    if len(password) < 12:
        raise UsageError("a password needs at least 12 characters")


def set_enabled(conn: Connection, actor: Actor, name: str, enabled: bool) -> None:

    if get_account(conn, name) is None:
        raise NotFound(f"unknown account {name!r}")
    stored_accounts.set_enabled(conn, name, enabled)
    if not enabled:
        stored_sessions.end_all(conn, name, utc_now_text())
    audit.record(conn, actor, "account.enable" if enabled else "account.disable", f"account:{name}")


def set_password(conn: Connection, actor: Actor, name: str, password: str) -> None:

    check_password(password)
    if get_account(conn, name) is None:
        raise NotFound(f"unknown account {name!r}")
    stored_accounts.set_password_hash(conn, name, _HASHER.hash(password))
    stored_sessions.end_all(conn, name, utc_now_text())  # a new password signs out everywhere
    audit.record(conn, actor, "account.password", f"account:{name}")


def verify_password(conn: Connection, name: str, password: str) -> bool:
    row = stored_accounts.row(conn, name)
    if row is None or not row.enabled or row.password_hash is None:
        return False
    try:
        return bool(_HASHER.verify(row.password_hash, password))
    except (VerificationError, InvalidHashError):
        return False


# ---------------------------------------------------------------- served workspaces


def mark_served(store: Store, actor: Actor) -> None:
    """Record that ``genkend serve`` runs on this workspace (audited). From then on local
    commands act only as the operator, or as the account of ``GENKEND_TOKEN``."""
    with store.begin() as conn:
        stored_accounts.mark_served(conn, utc_now_text(), actor.name, actor.host)
        audit.record(conn, actor, "workspace.served", "workspace")


def is_served(conn: Connection) -> bool:
    return stored_accounts.is_served(conn)


def first_admin(conn: Connection) -> str | None:
    """The workspace's first admin (oldest enabled account holding the role)."""
    admins = [a for a in list_accounts(conn) if "admin" in a.roles and a.enabled]
    admins.sort(key=lambda a: (a.created_at, a.name))
    return admins[0].name if admins else None


# ---------------------------------------------------------------- case membership


def is_member(conn: Connection, case_id: str, name: str) -> bool:
    return stored_cases.is_member(conn, case_id, name)


def member_cases(conn: Connection, name: str) -> list[str]:
    """The cases ``name`` is a member of, in order."""
    return stored_cases.member_cases(conn, name)


def membership_need(conn: Connection, actor: Actor, case_id: str, action: str) -> Need:
    """Who may change a case's members: a member who created the case or is a supervisor."""
    creator = stored_cases.creator(conn, case_id)
    return Need(action, ANYONE if creator == actor.name else SUPERVISORS, case_id)


def audit_scope(conn: Connection, account: Account) -> audit.Scope | None:
    """The audit events ``account`` may read: auditors all (None), others their cases'."""
    if account.roles & AUDITORS:
        return None
    return audit.Scope(account.name, frozenset(member_cases(conn, account.name)))


def members(conn: Connection, case_id: str) -> list[dict[str, str]]:
    return stored_cases.members(conn, case_id)


def add_member(conn: Connection, actor: Actor, case_id: str, name: str) -> None:

    account = get_account(conn, name)
    if account is None or not account.enabled:
        raise NotFound(f"no enabled account {name!r}")
    if is_member(conn, case_id, name):
        return
    stored_cases.insert_member(conn, case_id, name, utc_now_text(), actor.name)
    audit.record(conn, actor, "case.member.add", f"case:{case_id}", {"account": name})


def remove_member(conn: Connection, actor: Actor, case_id: str, name: str) -> None:

    if not is_member(conn, case_id, name):
        raise NotFound(f"{name} is not a member of case {case_id}")
    stored_cases.delete_member(conn, case_id, name)
    audit.record(conn, actor, "case.member.remove", f"case:{case_id}", {"account": name})


def require_purpose(purpose: str, legal_basis: str, what: str) -> None:
    """Every biometric search and export states why and on what legal basis."""
    for field, value in (("purpose", purpose), ("legal_basis", legal_basis)):
        if not value.strip():
            raise InvalidField(field, f"must be given: {what} states why and on what legal basis")


# ---------------------------------------------------------------- the gate


@dataclass(frozen=True)
class Need:
    """What a command needs: one of ``roles``, and membership of ``case`` if given."""

    action: str
    roles: frozenset[str]
    case: str | None = None


def check(conn: Connection, actor: Actor, need: Need) -> tuple[Account | None, str | None]:
    """The account, or the reason for refusing it. Pure: records nothing."""
    account = get_account(conn, actor.name)
    if account is None and not has_accounts(conn):  # asked only then: the gate's hot path
        return None, (
            "this workspace has no accounts yet; create the first with "
            "'genkend user add NAME --role admin'"
        )
    if account is None:
        return None, f"{actor.name} is not an account of this workspace (use --user)"
    if not account.enabled:
        return None, f"account {actor.name} is disabled"
    if not account.roles & need.roles:
        return account, (
            f"{need.action} needs the role {' or '.join(sorted(need.roles))}; "
            f"{actor.name} has {', '.join(sorted(account.roles))}"
        )
    if need.case is not None and not is_member(conn, need.case, actor.name):
        return account, f"{actor.name} is not a member of case {need.case}"
    return account, None


def require(store: Store, actor: Actor, need: Need) -> Account:
    """The acting account if it may do ``need``; else audit the refusal and raise."""
    with store.read() as conn:
        account, reason = check(conn, actor, need)
        bootstrap = reason is not None and not has_accounts(conn)
    if reason is None:
        assert account is not None
        return account
    if bootstrap:
        raise PermissionDenied(reason)
    deny(store, actor, need.action, f"case:{need.case}" if need.case else need.action, reason)


def deny(
    store: Store,
    actor: Actor,
    action: str,
    subject: str,
    reason: str,
    about: Mapping[str, Any] | None = None,
) -> NoReturn:
    """Record an ``access.denied`` event in its own transaction and raise; ``about``
    names what was refused (``{"candidate": 3}``) in the event's detail."""
    detail = {"action": action, **(about or {}), "reason": reason}
    with store.begin() as conn:
        audit.record(conn, actor, "access.denied", subject, detail)
    raise PermissionDenied(reason)


def require_outside_cases(store: Store, actor: Actor, name: str, action: str) -> None:
    """Another account's password or token only while it is a member of no case: whoever
    sets them could act as it, and an admin must not reach case content that way."""
    with store.read() as conn:
        joined = member_cases(conn, name)
    if joined:
        deny(
            store,
            actor,
            action,
            f"account:{name}",
            f"{name} is a member of a case ({', '.join(joined)}): only {name} sets "
            "their own password and tokens",
        )
