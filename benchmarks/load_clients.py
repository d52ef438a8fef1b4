"""Concurrent authenticated clients of a running genkend server, and their latencies.

Used by ``bench_web.py``. Each client is an asyncio task with an ``httpx2.AsyncClient``
and an API token, looping until told to stop or its iteration bound: a triage grid
page (keyset paging through one filter: each page's ``next_after`` is the next
request's ``after``, back to the start when the filter runs out), the detail of a
media item of that page, the blurred picture of a media item that has one, and every
``search_every`` iterations a gallery face search with an uploaded probe photo; then
it pauses ``think`` seconds on average, as a person looks at what came (0: a closed
loop with no pause, which measures the server saturated). Every
request's latency is recorded under its kind with its status; a transport failure
(timeout, refused connection) counts as status 0. Invariant: a request is either
answered (any status) or counted as failed; none is dropped from the figures.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx2 as httpx

FILTERS = ("all", "new", "known", "categorised", "near_known", "has_faces", "errors")
KINDS = ("grid", "detail", "picture", "search")


@dataclass(frozen=True)
class Plan:
    """What the clients do and on what."""

    base_url: str
    case: str
    tokens: list[str]  # one per client, several clients may share an account's token
    picture_ids: list[int]  # media whose picture can be read back from the evidence
    probe: bytes  # a photo with a face of a gallery identity (PNG)
    purpose: str
    legal_basis: str
    stop: Callable[[], bool]  # asked before each iteration: start no more when True
    max_iterations: int
    search_every: int = 10
    page_size: int = 100
    picture_size: int = 160
    seed: int = 1
    think: float = 0.0  # mean pause after each iteration, in seconds (uniform 0.5x-1.5x)
    transport: httpx.AsyncBaseTransport | None = None  # an app in this process (tests)


@dataclass
class Tally:
    """Every answer by kind: latencies in ms and status codes; the searches' audit seqs."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, dict[int, int]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(int))
    )
    failures: list[str] = field(default_factory=list)  # first lines of non-2xx answers
    search_seqs: list[int] = field(default_factory=list)
    iterations: int = 0

    def record(self, kind: str, started: float, status: int, note: str = "") -> None:
        self.latencies[kind].append((time.perf_counter() - started) * 1000)
        self.statuses[kind][status] += 1
        if not 200 <= status < 300 and len(self.failures) < 50:
            self.failures.append(f"{kind} {status} {note}"[:300])


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else 0.0


def summary(tally: Tally) -> dict[str, dict[str, Any]]:
    """Per kind: requests, p50, p99 and max in ms, errors (non-2xx or no answer), 5xx."""
    out = {}
    for kind in KINDS:
        times, statuses = tally.latencies.get(kind, []), tally.statuses.get(kind, {})
        out[kind] = {
            "requests": len(times),
            "p50_ms": round(quantile(times, 0.50), 1),
            "p99_ms": round(quantile(times, 0.99), 1),
            "max_ms": round(max(times, default=0.0), 1),
            "errors": sum(n for s, n in statuses.items() if not 200 <= s < 300),
            "5xx": sum(n for s, n in statuses.items() if s >= 500),
            "statuses": {str(s): n for s, n in sorted(statuses.items())},
        }
    return out


async def _get(
    http: httpx.AsyncClient, tally: Tally, kind: str, url: str, params: dict[str, Any]
) -> httpx.Response | None:
    started = time.perf_counter()
    try:
        answer = await http.get(url, params=params)
    except httpx.HTTPError as error:
        tally.record(kind, started, 0, repr(error))
        return None
    tally.record(kind, started, answer.status_code, answer.text[:200])
    return answer


async def _search(http: httpx.AsyncClient, tally: Tally, plan: Plan) -> None:
    started = time.perf_counter()
    form = {
        "purpose": plan.purpose,
        "legal_basis": plan.legal_basis,
        "in_gallery": "true",
        "k": "5",
    }
    files = {"image": ("probe.png", plan.probe, "image/png")}
    url = f"/api/v1/cases/{plan.case}/search/face"
    try:
        answer = await http.post(url, data=form, files=files)
    except httpx.HTTPError as error:
        tally.record("search", started, 0, repr(error))
        return
    tally.record("search", started, answer.status_code, answer.text[:200])
    if answer.status_code == 200:
        tally.search_seqs.append(int(answer.json()["audit_seq"]))


def _page_items(body: Any) -> tuple[list[int], int | None]:
    return [int(item["id"]) for item in body["items"]], body.get("next_after")


async def _client(number: int, plan: Plan, tally: Tally) -> None:
    rng = random.Random(plan.seed * 1000 + number)
    name = FILTERS[number % len(FILTERS)]
    after: int | None = None
    headers = {"Authorization": f"Bearer {plan.tokens[number]}"}
    timeout = httpx.Timeout(60.0)
    async with httpx.AsyncClient(
        base_url=plan.base_url, headers=headers, timeout=timeout, transport=plan.transport
    ) as http:
        for iteration in range(plan.max_iterations):
            if plan.stop():
                return
            params: dict[str, Any] = {"filter": name, "limit": plan.page_size}
            if after is not None:
                params["after"] = after
            page = await _get(http, tally, "grid", f"/api/v1/cases/{plan.case}/media", params)
            ids: list[int] = []
            if page is not None and page.status_code == 200:
                ids, after = _page_items(page.json())
            if ids:
                detail = f"/api/v1/cases/{plan.case}/media/{rng.choice(ids)}"
                await _get(http, tally, "detail", detail, {})
            picture = f"/cases/{plan.case}/media/{rng.choice(plan.picture_ids)}/picture"
            view = {"view": "blurred", "size": plan.picture_size}
            await _get(http, tally, "picture", picture, view)
            if iteration % plan.search_every == plan.search_every - 1:
                await _search(http, tally, plan)
            tally.iterations += 1
            if plan.think > 0:
                await asyncio.sleep(plan.think * rng.uniform(0.5, 1.5))


async def run_clients(plan: Plan) -> Tally:
    """All clients at once, until told to stop or their iteration bound."""
    tally = Tally()
    await asyncio.gather(*(_client(n, plan, tally) for n in range(len(plan.tokens))))
    return tally
