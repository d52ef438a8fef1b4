"""The API's contract, checked by schemathesis against its own OpenAPI document.

The document is fetched from ``/api/v1/openapi.json`` of an app over a copy of the web
world, authenticated with the API token of ``tester`` (every role, member of C1). Each
operation is one test: schemathesis generates requests from the document (positive and
negative data) and every response must be no 5xx and match the status codes, content
types, headers and schemas the document declares. State-changing operations run too:
the world is this module's copy. No operation is excluded: the operations tested are
listed from the API's router, and a test checks they are every operation of the document.

(schemathesis' own ``from_fixture`` loader cannot run under pytest 9, which is why the
operations are parametrized here and each runs its strategy through Hypothesis.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance
from schemathesis.specs.openapi.schemas import OpenApiSchema

from genkend.web import api

from ..services.world import CASE, World

Bearer = Callable[..., dict[str, str]]
EXAMPLES = 15  # per operation
# Path parameters that name things of the world: half the generated requests use them,
# so that operations reach real data and not only "not found".
REAL: dict[str, Callable[[World], Any]] = {
    "case_id": lambda w: CASE,
    "media_id": lambda w: w.ids["media"],
    "cluster_id": lambda w: w.ids["cluster"],
    "candidate_id": lambda w: w.ids["candidate"],
    "auth_id": lambda w: w.ids["authorisation"],
}
# ``positive_data_acceptance`` expects every schema-valid request to succeed; the domain
# refuses some on rules a schema cannot state (an unknown case, a purpose of blanks, a
# reviewer who already decided, an anchor of the wrong form), with a 4xx the document
# declares. Every other check of schemathesis runs.
EXCLUDED_CHECKS = [positive_data_acceptance]


def _operations() -> list[tuple[str, str]]:
    found = []
    for context in iter_route_contexts(api.router.routes):
        route = context.original_route
        if isinstance(route, APIRoute) and route.include_in_schema:
            found += [(method, str(context.path_format)) for method in sorted(route.methods)]
    return found


OPERATIONS = _operations()


@pytest.fixture(scope="module")
def api_schema(app: FastAPI, bearer: Bearer) -> OpenApiSchema:
    return schemathesis.openapi.from_asgi("/api/v1/openapi.json", app, headers=bearer())


def test_every_operation_of_the_document_is_tested(api_schema: OpenApiSchema) -> None:
    documented = {(op.ok().method.upper(), op.ok().path) for op in api_schema.get_all_operations()}
    assert documented == set(OPERATIONS)


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=lambda x: str(x))
def test_operation_keeps_its_contract(
    api_schema: OpenApiSchema, bearer: Bearer, web_world: World, method: str, path: str
) -> None:
    operation = api_schema[path][method]
    headers = bearer()
    modes = st.sampled_from([GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
    generated = modes.flatmap(lambda mode: operation.as_strategy(generation_mode=mode))
    strategy = st.builds(
        lambda c, real: _steered(c, web_world) if real else c, generated, st.booleans()
    )

    @given(case=strategy)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def keeps(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=headers, excluded_checks=EXCLUDED_CHECKS)

    keeps()


def _steered(case: schemathesis.Case, world: World) -> schemathesis.Case:
    """The case with the world's real case and item ids in its path."""
    parameters = case.path_parameters or {}
    for name in parameters:
        if name in REAL:
            parameters[name] = REAL[name](world)
    return case
