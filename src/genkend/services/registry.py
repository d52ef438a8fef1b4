"""The gate every use case passes: each service declares what it needs, and is checked.

A service is a function ``f(session, ...)`` decorated with ``@service(...)``. The
declaration names the action (as it appears in audit events), the roles of which the
acting account must hold one, and where the case comes from when the use case touches
case content:

    @service("media show", CONTENT_ROLES, case=CaseOf("media_id", media_case))
    def show(session: Session, media_id: int) -> MediaView: ...

Before the body runs the gate (1) reports an unknown case as such, (2) refuses an
account that is unknown, disabled or lacks every role in ``roles``, (3) refuses an
account that is not a member of the case, unless it holds one of the ``unscoped`` roles
(auditors read a case's metadata without being members). Each refusal is a
``PermissionDenied`` and an ``access.denied`` audit event. The body receives the session
with ``Session.caller`` set, and adds the checks only it can make (authorisation,
purpose and legal basis, independence of reviewers), refusing through
``governance.access.deny`` so that those refusals are audited too.

Invariant: ``RULES`` lists every service function; a test enumerates it and calls each
as an account without the role and as a non-member, and fails on a public function of
``genkend.services`` that was not declared.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Concatenate, ParamSpec, TypeVar

from genkend.errors import PermissionDenied
from genkend.governance import access, cases
from genkend.governance.access import Need
from genkend.services.session import Session

P = ParamSpec("P")
R = TypeVar("R")
CaseResolver = Callable[[Session, Any], "str | None"]
Refused = Callable[[Session, PermissionDenied], None]


@dataclass(frozen=True)
class CaseOf:
    """The case a call touches: the value of ``parameter``, mapped by ``resolve``.

    Without ``resolve`` the parameter holds the case id itself. A resolver returning
    ``None`` means the call names no single case (``search face --all-cases``): the
    body then keeps to the caller's cases itself.
    """

    parameter: str
    resolve: CaseResolver | None = None


@dataclass(frozen=True)
class Rule:
    """What one service needs."""

    name: str  # module.function, e.g. "media.show"
    action: str  # as written in audit events, e.g. "media show"
    roles: frozenset[str]
    case: CaseOf | None
    unscoped: frozenset[str]


RULES: dict[str, Rule] = {}
RULE_ATTRIBUTE = "__genkend_rule__"


def service(
    action: str,
    roles: frozenset[str],
    *,
    case: CaseOf | str | None = None,
    unscoped: frozenset[str] = frozenset(),
    refused: Refused | None = None,
) -> Callable[[Callable[Concatenate[Session, P], R]], Callable[Concatenate[Session, P], R]]:
    """Declare a use case's needs and put the gate in front of it. ``refused`` runs
    after the gate refused (and audited) a call, and may raise its own error instead
    (sign-in: the same message and timing as a wrong password)."""
    scope = CaseOf(case) if isinstance(case, str) else case

    def wrap(fn: Callable[Concatenate[Session, P], R]) -> Callable[Concatenate[Session, P], R]:
        signature = inspect.signature(fn)
        if scope is not None and scope.parameter not in signature.parameters:
            raise TypeError(f"{fn.__qualname__} has no parameter {scope.parameter!r}")
        name = f"{fn.__module__.rsplit('.', 1)[-1]}.{fn.__name__}"
        rule = Rule(name, action, roles, scope, unscoped)
        if name in RULES:
            raise TypeError(f"service {name} is declared twice")
        RULES[name] = rule

        @functools.wraps(fn)
        def gated(session: Session, /, *args: P.args, **kwargs: P.kwargs) -> R:
            bound = signature.bind(session, *args, **kwargs)
            bound.apply_defaults()
            try:
                checked = gate(session, rule, bound.arguments)
            except PermissionDenied as refusal:
                if refused is not None:
                    refused(session, refusal)
                raise
            return fn(checked, *args, **kwargs)

        setattr(gated, RULE_ATTRIBUTE, rule)
        return gated

    return wrap


def gate(session: Session, rule: Rule, arguments: dict[str, Any]) -> Session:
    """The session with its checked account, or a refusal (audited)."""
    case_id = _case_of(session, rule, arguments)
    account = access.require(session.store, session.actor, Need(rule.action, rule.roles))
    if case_id is not None and not account.roles & rule.unscoped:
        account = access.require(
            session.store, session.actor, Need(rule.action, rule.roles, case_id)
        )
    return session.checked(account)


def _case_of(session: Session, rule: Rule, arguments: dict[str, Any]) -> str | None:
    if rule.case is None:
        return None
    value = arguments[rule.case.parameter]
    case_id = value if rule.case.resolve is None else rule.case.resolve(session, value)
    if case_id is None:
        return None
    with session.store.read() as conn:
        cases.get(conn, str(case_id), allow_erased=True)  # an unknown case says so first
    return str(case_id)
