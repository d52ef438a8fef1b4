"""Every route is guarded, provably: the application's routes enumerated.

For each route of ``create_app`` (but sign-in, sign-out and the static assets) this test
sends a request (1) without a session or token: it must answer 401; and (2) with the API
token of an account that holds every content role but is a member of no case: a route
that names a case, or an item of a case (media, face, cluster, candidate, ...), must
answer 403, and the refusal must be the newest ``access.denied`` audit event. Path
parameters take their value from ``PATH_EXAMPLES`` and request bodies are made from the
route's declared fields, so a new route whose parameters have no example fails here
rather than going unchecked.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from ..services.world import CASE, World
from .conftest import OUTSIDER

UNGUARDED = {("/login", "GET"), ("/login", "POST"), ("/logout", "POST")}
UNGUARDED_API = {("/api/v1/login", "POST"), ("/api/v1/logout", "POST")}
# Parameters that name a case or an item of one: a non-member must be refused.
CASE_SCOPED = {
    "case_id",
    "media_id",
    "face_id",
    "cluster_id",
    "candidate_id",
    "auth_id",
    "source_id",
}
PATH_EXAMPLES: dict[str, Callable[[World], Any]] = {
    "case_id": lambda w: CASE,
    "media_id": lambda w: w.ids["media"],
    "cluster_id": lambda w: w.ids["cluster"],
    "candidate_id": lambda w: w.ids["candidate"],
    "auth_id": lambda w: w.ids["authorisation"],
    "identity_id": lambda w: w.ids["identity"],
    "face_id": lambda w: _first_face(w),
    "name": lambda w: OUTSIDER,
    "token_id": lambda w: 1,
}


def _first_face(world: World) -> int:
    engine = create_engine(f"sqlite:///{world.home / 'genkend.sqlite'}")
    with engine.connect() as conn:
        found = conn.execute(text("SELECT min(id) FROM faces")).scalar_one()
    engine.dispose()
    return int(found)


@dataclass(frozen=True)
class Route:
    """One route as the application serves it: its full path, and its declaration."""

    path: str  # with the router's prefix, parameters as {name}
    declared: APIRoute

    @property
    def parameters(self) -> set[str]:
        return set(self.declared.param_convertors)


def _routes(app: FastAPI) -> list[tuple[Route, str]]:
    found = []
    for context in iter_route_contexts(app.routes):
        declared = context.original_route
        if not isinstance(declared, APIRoute):
            continue  # the static mount (FastAPI's own docs routes are off)
        route = Route(str(context.path_format), declared)
        for method in sorted(context.methods or ()):
            if (route.path, method) not in UNGUARDED | UNGUARDED_API:
                found.append((route, method))
    return found


def _url(world: World, route: Route) -> str:
    url = route.path
    for name, convertor in route.declared.param_convertors.items():
        assert name in PATH_EXAMPLES, f"{route.path}: add an example for {{{name}}}"
        url = url.replace(f"{{{name}}}", convertor.to_string(PATH_EXAMPLES[name](world)))
    return url


def _value(schema: dict[str, Any], definitions: dict[str, Any]) -> Any:
    if "$ref" in schema:
        return _value(definitions[schema["$ref"].rsplit("/", 1)[-1]], definitions)
    if "enum" in schema:
        return schema["enum"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            return _value(schema[key][0], definitions)
    kind = schema.get("type")
    if kind == "array" and "items" in schema:
        return [_value(schema["items"], definitions)]
    if kind == "object":
        required = schema.get("required", [])
        properties = schema.get("properties", {})
        return {k: _value(properties[k], definitions) for k in required}
    return {"string": "x", "integer": 1, "number": 1.0, "boolean": False, "array": []}.get(
        str(kind)
    )


def _body(app: FastAPI, route: Route, method: str) -> dict[str, Any]:
    """Keyword arguments for the request: its required query parameters, and a JSON body
    or form fields (files too) the route accepts."""
    document = app.openapi()
    definitions = document.get("components", {}).get("schemas", {})
    operation = document["paths"].get(route.path, {}).get(method.lower(), {})
    query = {
        p["name"]: _value(p["schema"], definitions)
        for p in operation.get("parameters", [])
        if p["in"] == "query" and p.get("required")
    }
    made = _request_body(route, operation, definitions)
    return {**made, "params": query} if query else made


def _request_body(
    route: Route, operation: dict[str, Any], definitions: dict[str, Any]
) -> dict[str, Any]:
    if route.declared.body_field is None:
        return {}
    media = operation.get("requestBody", {}).get("content", {})
    for kind in ("application/json", "application/x-www-form-urlencoded"):
        if kind in media:
            made = _value(media[kind]["schema"], definitions)
            return {"json": made} if kind == "application/json" else {"data": made}
    if "multipart/form-data" in media:  # an upload: its files, and its other fields
        schema = media["multipart/form-data"]["schema"]
        schema = definitions[schema["$ref"].rsplit("/", 1)[-1]] if "$ref" in schema else schema
        fields = _value(schema, definitions)
        binary = {k for k, v in schema["properties"].items() if _is_file(v)}
        files = {k: ("x.png", b"x", "image/png") for k in binary & set(fields)}
        return {"data": {k: v for k, v in fields.items() if k not in files}, "files": files}
    # Pages are left out of the schema: their form fields come from the route itself.
    fields = {f.alias: f for f in route.declared.dependant.body_params}
    return {"data": {name: "1" for name, f in fields.items() if f.field_info.is_required()}}


def _newest_event(world: World) -> tuple[str, str, dict[str, Any]]:
    engine = create_engine(f"sqlite:///{world.home / 'genkend.sqlite'}")
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT e.actor, e.action, d.detail FROM audit_events e "
                "LEFT JOIN audit_details d ON d.seq = e.seq ORDER BY e.seq DESC LIMIT 1"
            )
        ).one()
    engine.dispose()
    return row.actor, row.action, json.loads(row.detail or "{}")


def test_the_app_has_guarded_routes(app: FastAPI) -> None:
    paths = {route.path for route, _ in _routes(app)}
    assert "/api/v1/cases" in paths and "/cases" in paths
    assert len(paths) >= 4


def test_every_route_answers_401_without_a_session_or_token(
    app: FastAPI, client: TestClient, web_world: World
) -> None:
    failures = []
    for route, method in _routes(app):
        url = _url(web_world, route)
        response = client.request(method, url, **_body(app, route, method))
        if response.status_code != 401:
            failures.append(f"{method} {url}: {response.status_code}")
    assert not failures, failures


def test_every_case_route_refuses_a_non_member_with_403(
    app: FastAPI,
    client: TestClient,
    web_world: World,
    bearer: Callable[[str], dict[str, str]],
) -> None:
    headers = bearer(OUTSIDER)
    scoped = [(r, m) for r, m in _routes(app) if r.parameters & CASE_SCOPED]
    assert scoped, "no route names a case"
    failures = []
    for route, method in scoped:
        url = _url(web_world, route)
        response = client.request(method, url, headers=headers, **_body(app, route, method))
        actor, action, _ = _newest_event(web_world)
        if response.status_code != 403 or (actor, action) != (OUTSIDER, "access.denied"):
            failures.append(f"{method} {url}: {response.status_code}, newest event {action}")
    assert not failures, failures


@pytest.mark.parametrize("path", ["/api/v1/cases", "/cases"])
def test_routes_without_a_case_answer_a_non_member(
    client: TestClient, bearer: Callable[[str], dict[str, str]], path: str
) -> None:
    response = client.get(path, headers=bearer(OUTSIDER))
    assert response.status_code == 200


def _is_file(schema: dict[str, Any]) -> bool:
    """A file field: ``format: binary`` (OpenAPI 3.0) or ``contentMediaType`` (3.1)."""
    return schema.get("format") == "binary" or "contentMediaType" in schema
