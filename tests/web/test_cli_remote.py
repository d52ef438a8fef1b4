"""The CLI driving a server (``genkend --server URL``, token in ``GENKEND_TOKEN``).

A real Uvicorn server in a thread on a free loopback port serves the web test world;
each everyday command run through it prints what the same command prints locally on
the same workspace (``--json`` and table), the server decides and audits for the
token's account, and every way of failing is one clear line with the local exit code.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import socket
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
import pytest
import uvicorn
from fastapi import FastAPI

from genkend.cli import main, remote
from genkend.errors import GenkendError, InvalidField, NotFound, PermissionDenied

from ..services.world import CASE, GRANTOR, REVIEWER, TESTER, World
from .conftest import OUTSIDER, issue_token

SECOND_REVIEWER = "rev2"  # reviewer, member of C1: the second of a blind double review
WHY = ["--purpose", "identify victim", "--legal-basis", "warrant 1/2026"]


@dataclass(frozen=True)
class Ran:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


@contextlib.contextmanager
def serving(app: FastAPI, **tls: str) -> Iterator[int]:
    """The app behind Uvicorn on a loopback socket bound and listening before the server
    thread starts: a client's connection waits in the backlog until it is served."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    config = uvicorn.Config(app, log_level="warning", lifespan="off", **tls)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        yield int(sock.getsockname()[1])
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


@pytest.fixture(scope="module")
def server_url(app: FastAPI) -> Iterator[str]:
    with serving(app) as port:
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def tokens(web_world: World) -> Callable[[str], str]:
    issued: dict[str, str] = {}

    def token(name: str) -> str:
        if name not in issued:
            with pytest.MonkeyPatch.context() as patch:  # issued locally, as the account
                patch.delenv("GENKEND_TOKEN", raising=False)
                issued[name] = issue_token(web_world.home, name)
        return issued[name]

    return token


Run = Callable[..., Ran]


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch) -> Run:
    """``main(args)`` with GENKEND_TOKEN set to ``token`` (unset when None)."""

    def run(*args: str, token: str | None = None) -> Ran:
        monkeypatch.delenv("GENKEND_SERVER", raising=False)
        if token is None:
            monkeypatch.delenv("GENKEND_TOKEN", raising=False)
        else:
            monkeypatch.setenv("GENKEND_TOKEN", token)
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(args))
        return Ran(code, out.getvalue(), err.getvalue())

    return run


@pytest.fixture
def both(
    cli: Run, server_url: str, tokens: Callable[[str], str], web_world: World
) -> Callable[..., tuple[Ran, Ran]]:
    """The same command as ``user``: through the server, then locally."""

    def run(user: str, *args: str) -> tuple[Ran, Ran]:
        far = cli("--server", server_url, *args, token=tokens(user))
        near = cli("--home", str(web_world.home), "--user", user, *args)
        return far, near

    return run


EVERYDAY = [
    (REVIEWER, ["review", "list", "--case", CASE]),
    (TESTER, ["review", "list", "--case", CASE, "--disputed"]),
    (TESTER, ["audit", "verify"]),
]


@pytest.mark.parametrize(("user", "args"), EVERYDAY, ids=[" ".join(a[:2]) for _, a in EVERYDAY])
def test_an_everyday_command_prints_through_the_server_what_it_prints_locally(
    both: Callable[..., tuple[Ran, Ran]], user: str, args: list[str]
) -> None:
    far, near = both(user, *args, "--json")
    assert (far.code, far.err) == (near.code, near.err) == (0, "")
    assert far.json() == near.json()
    assert near.json() or "--disputed" in args, "the world has something to show"
    far_table, near_table = both(user, *args)
    assert far_table == near_table and far_table.code == 0
    assert CASE in far_table.out or args[0] == "audit"


@pytest.mark.parametrize("status", [None, "new", "non_pertinent"])
def test_media_list_through_the_server_pages_the_case_grid(
    both: Callable[..., tuple[Ran, Ran]], monkeypatch: pytest.MonkeyPatch, status: str | None
) -> None:
    monkeypatch.setattr(remote, "GRID_PAGE", 1)  # one item a page: the list follows next_after
    args = ["media", "list", "--case", CASE, *(["--status", status] if status else [])]
    far, near = both(TESTER, *args, "--json")
    assert (far.code, far.err) == (near.code, near.err) == (0, "")
    listed = [m for m in near.json() if status is None or m["status"] == status]
    same = ("id", "status", "category", "mime", "width", "height", "error")
    assert [{k: m[k] for k in same} for m in far.json()] == [
        {k: m.get(k) for k in same} for m in listed
    ]
    assert all(
        str(m["file_name"]) in n["locations"][0]["location"]
        for m, n in zip(far.json(), listed, strict=True)
    )
    assert listed or status == "non_pertinent", "the world has something to show"
    table = both(TESTER, *args)[0]
    assert table.code == 0 and all(f"│ {m['id']} " in table.out for m in listed)


def test_a_candidate_shows_the_same_blind_then_decided_through_the_server(
    both: Callable[..., tuple[Ran, Ran]],
    cli: Run,
    server_url: str,
    tokens: Callable[[str], str],
    web_world: World,
) -> None:
    candidate = str(web_world.ids["candidate"])
    far, near = both(REVIEWER, "review", "show", candidate, "--case", CASE, "--json")
    assert far.code == near.code == 0 and far.json() == near.json()
    assert far.json()["blind"] is True and "decisions" not in far.json()
    far_table, near_table = both(REVIEWER, "review", "show", candidate, "--case", CASE)
    assert far_table == near_table and "hidden until you have given yours" in far_table.out

    decided = cli(
        "--server", server_url, "review", "decide", candidate, "--case", CASE,
        "--outcome", "potential_candidate", "--note", "same ear shape", "--json",
        token=tokens(REVIEWER),
    )  # fmt: skip
    assert decided.code == 0, decided.err
    assert decided.json()["blind"] is False
    assert [d["reviewer"] for d in decided.json()["decisions"]] == [REVIEWER]

    far, near = both(REVIEWER, "review", "show", candidate, "--case", CASE, "--json")
    assert far.json() == near.json() == decided.json()
    events = cli(
        "--home", str(web_world.home), "--user", TESTER, "audit", "show",
        "--action", "review.decide", "--json",
    ).json()  # fmt: skip
    assert [(e["actor"], e["host"]) for e in events] == [(REVIEWER, "web 127.0.0.1")]


def test_a_face_search_uploads_the_photo_and_prints_what_the_local_search_prints(
    both: Callable[..., tuple[Ran, Ran]], web_world: World
) -> None:
    spool = web_world.home / "spool"
    before = set(spool.iterdir()) if spool.exists() else set()
    args = ["search", "face", "--image", str(web_world.files / "probe.png"), "--case", CASE]
    far, near = both(TESTER, *args, *WHY, "--k", "5", "--json")
    assert far.code == near.code == 0, far.err
    varying = ("started_at", "ended_at", "audit_seq")
    shown, printed = far.json(), near.json()
    assert {k: v for k, v in shown.items() if k not in varying} == {
        k: v for k, v in printed.items() if k not in varying
    }
    assert shown["candidates"] and shown["kind"] == "search.case"
    assert shown["audit_seq"] < printed["audit_seq"]
    assert set(spool.iterdir()) == before  # the upload was removed on the server
    far_table, near_table = both(TESTER, *args, *WHY, "--k", "5")
    assert far_table.out.split("\n", 1)[1] == near_table.out.split("\n", 1)[1]  # bar audit seq
    assert far_table.err == near_table.err


def test_a_gallery_search_runs_under_the_case_authorisation_and_is_audited_as_web(
    cli: Run, server_url: str, tokens: Callable[[str], str], web_world: World
) -> None:
    probe = str(web_world.files / "probe.png")
    found = cli(
        "--server", server_url, "search", "face", "--image", probe, "--case", CASE,
        *WHY, "--gallery", "--max-distance", "2", "--json",
        token=tokens(TESTER),
    )  # fmt: skip
    assert found.code == 0, found.err
    assert found.json()["kind"] == "search.gallery" and found.json()["authorisation_id"]
    events = cli(
        "--home", str(web_world.home), "--user", TESTER, "audit", "show",
        "--since", str(found.json()["audit_seq"] - 1), "--action", "search.gallery", "--json",
    ).json()  # fmt: skip
    assert [(e["actor"], e["host"]) for e in events] == [(TESTER, "web 127.0.0.1")]


def test_a_refusal_is_the_servers_message_with_the_local_exit_code(
    both: Callable[..., tuple[Ran, Ran]],
) -> None:
    for user, args in (
        (REVIEWER, ["audit", "verify"]),
        (OUTSIDER, ["media", "list", "--case", CASE]),
    ):
        far, near = both(user, *args)
        assert far.code == near.code == 1
        assert far.err == near.err and far.err.startswith("genkend: error: ")
        assert far.out == ""


def test_a_bad_field_names_its_flag(
    cli: Run, server_url: str, tokens: Callable[[str], str], web_world: World
) -> None:
    candidate = str(web_world.ids["candidate"])
    bad = cli(
        "--server", server_url, "review", "decide", candidate, "--case", CASE,
        "--outcome", "maybe", "--note", "unsure",
        token=tokens(GRANTOR),
    )  # fmt: skip
    assert bad.code == 2 and bad.err.startswith("genkend: error: --outcome ")
    probe = str(web_world.files / "probe.png")
    bad = cli(
        "--server", server_url, "search", "face", "--image", probe, "--case", CASE, *WHY,
        "--k", "0",
        token=tokens(TESTER),
    )  # fmt: skip
    assert bad.code == 2 and bad.err.startswith("genkend: error: --k "), bad.err


def test_a_candidate_of_another_case_or_without_its_case_is_not_found(
    cli: Run, server_url: str, tokens: Callable[[str], str], web_world: World
) -> None:
    candidate = str(web_world.ids["candidate"])
    show = ["--server", server_url, "review", "show", candidate]
    missing = cli(*show, token=tokens(REVIEWER))
    assert missing.code == 2 and missing.err.startswith("genkend: error: --case is needed")
    elsewhere = cli(*show, "--case", "C2", token=tokens(REVIEWER))
    assert elsewhere.code == 1 and "C2" in elsewhere.err and elsewhere.out == ""


def test_a_dispute_lists_and_resolves_through_the_server(
    both: Callable[..., tuple[Ran, Ran]],
    cli: Run,
    server_url: str,
    tokens: Callable[[str], str],
    web_world: World,
) -> None:
    web_world.add_account(SECOND_REVIEWER, ["reviewer"], member=True)
    probe = str(web_world.files / "probe.png")
    searched = cli(
        "--server", server_url, "search", "face", "--image", probe, "--case", CASE,
        *WHY, "--gallery", "--max-distance", "2", "--json",
        token=tokens(TESTER),
    )  # fmt: skip
    candidate = str(searched.json()["candidates"][0]["candidate_id"])
    for reviewer, outcome in ((REVIEWER, "potential_candidate"), (SECOND_REVIEWER, "no_candidate")):
        decided = cli(
            "--server", server_url, "review", "decide", candidate, "--case", CASE,
            "--outcome", outcome, "--note", "compared the ears",
            token=tokens(reviewer),
        )  # fmt: skip
        assert decided.code == 0, decided.err
    assert decided.out.endswith("candidate is now disputed\n")
    far, near = both(GRANTOR, "review", "list", "--case", CASE, "--disputed", "--json")
    assert far.json() == near.json() and candidate in {str(c["id"]) for c in far.json()}
    settled = cli(
        "--server", server_url, "review", "resolve", candidate, "--case", CASE,
        "--outcome", "identified", "--note", "the scar matches", "--json",
        token=tokens(GRANTOR),
    )  # fmt: skip
    assert settled.code == 0, settled.err
    assert settled.json()["status"] == "identified"
    assert [d["role"] for d in settled.json()["decisions"]] == [
        "reviewer",
        "reviewer",
        "supervisor",
    ]
    events = cli(
        "--home", str(web_world.home), "--user", TESTER, "audit", "show",
        "--action", "review.resolve", "--json",
    ).json()  # fmt: skip
    assert [(e["actor"], e["host"]) for e in events] == [(GRANTOR, "web 127.0.0.1")]


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A certificate authority of the unit's own and a server certificate it signed for
    127.0.0.1, made with the openssl command."""
    if shutil.which("openssl") is None:
        pytest.skip("no openssl command to make a test certificate authority")
    d = tmp_path_factory.mktemp("tls")
    (d / "ext.cnf").write_text(
        "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n"
        "basicConstraints=critical,CA:FALSE\nauthorityKeyIdentifier=keyid\n"
        "subjectKeyIdentifier=hash\n"
    )
    steps = [
        "req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 "
        "-subj /CN=genkend-test-CA -addext basicConstraints=critical,CA:TRUE "
        "-addext keyUsage=critical,keyCertSign,cRLSign",
        "req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=127.0.0.1",
        "x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 "
        "-out server.pem -extfile ext.cnf",
    ]
    for step in steps:
        subprocess.run(["openssl", *step.split()], cwd=d, check=True, capture_output=True)
    return {"ca": d / "ca.pem", "cert": d / "server.pem", "key": d / "server.key"}


def test_tls_is_verified_against_the_system_or_the_units_own_authority(
    app: FastAPI,
    cli: Run,
    tls: dict[str, Path],
    tokens: Callable[[str], str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    certificate = {"ssl_certfile": str(tls["cert"]), "ssl_keyfile": str(tls["key"])}
    with serving(app, **certificate) as port:
        url = f"https://127.0.0.1:{port}"
        args = ["--server", url, "media", "list", "--case", CASE, "--json"]
        monkeypatch.setenv("SSL_CERT_FILE", str(tls["ca"]))  # the environment is not trusted
        unknown = cli(*args, token=tokens(TESTER))
        assert unknown.code == 1 and unknown.out == ""
        assert "CERTIFICATE_VERIFY_FAILED" in unknown.err and "--server-ca" in unknown.err
        trusted = cli("--server-ca", str(tls["ca"]), *args, token=tokens(TESTER))
        assert trusted.code == 0, trusted.err
        assert trusted.json() and all(m["id"] for m in trusted.json())
        monkeypatch.setenv("GENKEND_SERVER_CA", str(tls["ca"]))
        assert cli(*args, token=tokens(TESTER)).json() == trusted.json()
    unreadable = cli("--server-ca", str(tls["key"].parent / "none.pem"), *args, token="gk_x")
    assert unreadable.code == 2 and "--server-ca" in unreadable.err


def test_without_a_token_or_with_user_the_server_is_not_asked(cli: Run, server_url: str) -> None:
    listed = ["--server", server_url, "media", "list", "--case", CASE]
    none = cli(*listed)
    assert none.code == 2 and "GENKEND_TOKEN" in none.err and none.out == ""
    claimed = cli("--user", TESTER, *listed, token="gk_anything")
    assert claimed.code == 2 and "--user cannot be given with --server" in claimed.err


def test_a_token_the_server_refuses_is_named(cli: Run, server_url: str) -> None:
    refused = cli("--server", server_url, "media", "list", "--case", CASE, token="gk_nonsense")
    assert refused.code == 1 and "refused the token in GENKEND_TOKEN" in refused.err
    assert refused.err.count("\n") == 1


def test_a_server_that_does_not_answer_is_one_clear_line(cli: Run) -> None:
    with socket.socket() as bound:  # bound, never listening: connections are refused
        bound.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{bound.getsockname()[1]}"
        down = cli("--server", url, "audit", "verify", token="gk_anything")
    assert down.code == 1 and down.out == ""
    assert down.err.startswith(f"genkend: error: the server {url} does not answer")
    assert down.err.count("\n") == 1


def test_a_local_only_command_with_server_says_so(cli: Run, server_url: str) -> None:
    for args in (["case", "list"], ["media", "show", "1"], ["settings"], ["user", "list"]):
        refused = cli("--server", server_url, *args, token="gk_anything")
        assert refused.code == 2 and refused.out == "", args
        assert refused.err.startswith(f"genkend: error: 'genkend {' '.join(args[:2])}' runs only")


@pytest.mark.parametrize(
    "url",
    [
        "http://example.org",
        "http://10.0.0.5:8000",
        "ftp://127.0.0.1",
        "127.0.0.1:8000",
        "https://h/?next=x",
        "https://me:secret@h",
    ],
)
def test_a_token_is_sent_only_over_tls_or_to_this_machine(cli: Run, url: str) -> None:
    refused = cli("--server", url, "audit", "verify", token="gk_anything")
    assert refused.code == 2 and refused.err.startswith("genkend: error: --server ")
    assert "secret" not in refused.err


def test_loopback_addresses_may_use_plain_http() -> None:
    for url in ("http://127.0.0.1:8000", "http://localhost:1", "http://[::1]:8000", "https://x"):
        assert remote.checked_url(url) == url


def _answering(
    status: int, body: Any = None, headers: dict[str, str] | None = None
) -> remote.Server:
    def answer(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(status, json=body, headers=headers)

    return remote.Server("https://genkend.test", "gk_t", transport=httpx2.MockTransport(answer))


def test_the_probe_is_uploaded_under_its_name_without_its_folders(
    web_world: World, tmp_path: Path
) -> None:
    (tmp_path / "Unit-7-secret").mkdir()
    named = tmp_path / "Unit-7-secret" / "probe-17.PNG"
    named.write_bytes((web_world.files / "probe.png").read_bytes())
    sent: list[httpx2.Request] = []

    def answer(request: httpx2.Request) -> httpx2.Response:
        sent.append(request)
        return httpx2.Response(200, json={"kind": "search.case"})

    server = remote.Server("https://genkend.test", "gk_t", transport=httpx2.MockTransport(answer))
    assert server.search_face(named, "2026/7", "p", "b", True, False, 3, None) == {
        "kind": "search.case"
    }
    (request,) = sent
    body = request.read()
    assert b"Unit-7-secret" not in body and b'filename="probe-17.PNG"' in body
    assert named.read_bytes() in body
    assert request.url.path == "/api/v1/cases/2026~7/search/face"
    assert request.headers["authorization"] == "Bearer gk_t"


def test_a_redirect_is_not_followed() -> None:
    server = _answering(307, headers={"location": "https://elsewhere.test/api/v1/audit/verify"})
    with pytest.raises(GenkendError, match="follows no redirect") as raised:
        server.audit_verify(None)
    assert "elsewhere.test" in str(raised.value)


def test_error_bodies_become_the_domain_errors_of_their_kind() -> None:
    def error(kind: str, message: str, field: str | None = None) -> dict[str, Any]:
        return {"error": {"kind": kind, "message": message, "field": field}}

    with pytest.raises(PermissionDenied, match=r"^no role$"):
        _answering(403, error("permission_denied", "no role")).audit_verify(None)
    with pytest.raises(NotFound, match=r"^no case C9$"):
        _answering(404, error("not_found", "no case C9")).media_list("C9", None)
    with pytest.raises(InvalidField) as invalid:
        _answering(422, error("invalid_field", "k must be at least 1", "k")).audit_verify(None)
    assert (invalid.value.field, invalid.value.problem) == ("k", "must be at least 1")
    with pytest.raises(GenkendError, match=r"the server failed \(500\)"):
        _answering(500, {"detail": "boom"}).audit_verify(None)
