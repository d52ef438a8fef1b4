"""Every service refuses, and audits the refusal: the registry enumerated.

``services.registry.RULES`` lists every use case with the roles it needs and where its
case comes from. For each one this test calls the service (1) as a disabled account,
(2) as an account holding every role except those it needs, and (3) for a case-scoped
service, as an account holding every role but not a member of the case; each call must
raise ``PermissionDenied`` and leave an ``access.denied`` audit event naming the caller.
A public function of a ``genkend.services`` module without a declaration fails here, and
so does a service whose parameters have no example value (``examples_*.py``).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

import genkend.services as services_package
from genkend.errors import PermissionDenied
from genkend.records import Actor
from genkend.services import registry
from genkend.services.session import Session
from genkend.workspace import open_workspace

from .world import ALL_ROLES, EXAMPLES, World, build_world

SERVICE_MODULES = [
    importlib.import_module(f"genkend.services.{m.name}")
    for m in pkgutil.iter_modules(services_package.__path__)
    if m.name not in {"registry", "session"}
]


def _public_functions() -> list[tuple[str, Any]]:
    found = []
    for module in SERVICE_MODULES:
        for name, value in vars(module).items():
            defined_here = getattr(value, "__module__", None) == module.__name__
            if inspect.isfunction(value) and defined_here and not name.startswith("_"):
                found.append((f"{module.__name__.rsplit('.', 1)[-1]}.{name}", value))
    return found


def test_every_public_service_function_is_declared() -> None:
    functions = _public_functions()
    assert functions, "genkend.services has no use cases"
    undeclared = [n for n, f in functions if not hasattr(f, registry.RULE_ATTRIBUTE)]
    assert not undeclared, f"declare with @service: {undeclared}"
    assert {n for n, _ in functions} == set(registry.RULES)


@pytest.fixture(scope="module")
def world_template(tmp_path_factory: pytest.TempPathFactory) -> World:
    return build_world(tmp_path_factory.mktemp("refusals"))


@pytest.fixture
def world(world_template: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    home = tmp_path / "ws"
    shutil.copytree(world_template.home, home)
    monkeypatch.setenv("GENKEND_FACE_BACKEND", "fake")
    return world_template.moved(home, tmp_path)


def _function(rule: registry.Rule) -> Any:
    module_name, function_name = rule.name.split(".")
    return getattr(importlib.import_module(f"genkend.services.{module_name}"), function_name)


def _call(world: World, rule: registry.Rule, account: str) -> None:
    fn = _function(rule)
    kwargs: dict[str, Any] = {}
    for parameter in list(inspect.signature(fn).parameters.values())[1:]:
        if parameter.default is not inspect.Parameter.empty:
            continue
        example = EXAMPLES.get(parameter.name)
        assert example is not None, (
            f"no example value for parameter {parameter.name!r} of service {rule.name}: "
            "add one to tests/services/examples_*.py"
        )
        kwargs[parameter.name] = example(world)
    ws = open_workspace(world.home, {"user": account})
    try:
        with ws.store.read() as conn:
            before = conn.execute(text("SELECT max(seq) FROM audit_events")).scalar_one()
        session = Session(ws, Actor(account, "test-host"))
        with pytest.raises(PermissionDenied):
            fn(session, **kwargs)
        with ws.store.read() as conn:
            # The refusal comes first; a service may audit its own failure after it
            # (sign in: auth.login.failed).
            first = conn.execute(
                text("SELECT actor, action FROM audit_events WHERE seq > :s ORDER BY seq"),
                {"s": before},
            ).first()
    finally:
        ws.close()
    assert first is not None, rule.name
    assert (first.actor, first.action) == (account, "access.denied"), rule.name


def _rules() -> list[registry.Rule]:
    """Every declared service (importing SERVICE_MODULES ran their decorators)."""
    return [registry.RULES[n] for n in sorted(registry.RULES)]


@pytest.mark.parametrize("rule", _rules(), ids=lambda r: r.name)
def test_refuses_a_disabled_account(world: World, rule: registry.Rule) -> None:
    world.add_account("gone", ALL_ROLES, member=True, enabled=False)
    _call(world, rule, "gone")


@pytest.mark.parametrize(
    "rule", [r for r in _rules() if set(ALL_ROLES) - r.roles], ids=lambda r: r.name
)
def test_refuses_an_account_without_the_role(world: World, rule: registry.Rule) -> None:
    world.add_account("lacking", sorted(set(ALL_ROLES) - rule.roles), member=True)
    _call(world, rule, "lacking")


@pytest.mark.parametrize(
    "rule",
    [r for r in _rules() if r.case is not None and r.roles - r.unscoped],
    ids=lambda r: r.name,
)
def test_refuses_a_non_member(world: World, rule: registry.Rule) -> None:
    world.add_account("outsider", sorted(set(ALL_ROLES) - rule.unscoped), member=False)
    _call(world, rule, "outsider")


# Parameters that name case content: a service taking one must say which case it touches.
CASE_CONTENT = {"case_id", "media_id", "cluster_id", "candidate_id", "face_id", "source_id"}


def test_services_naming_case_content_are_case_scoped() -> None:
    loose = [
        rule.name
        for rule in _rules()
        if rule.case is None and CASE_CONTENT & set(inspect.signature(_function(rule)).parameters)
    ]
    assert not loose, f"declare case=... for {loose}"
