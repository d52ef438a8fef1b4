"""The web API shows where a file lay in its file system, as the CLI does, and documents it.

A real FAT image in an MBR table (mkfs.vfat, mtools, sfdisk; never mounted) is ingested
through the CLI; the API's media item and case answer what ``media show`` and ``case
show`` print, the deleted file's location says ``"deleted": true``, and the OpenAPI
document names every origin field, so a script may rely on them.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.evidence.disk_images import mbr_image

from genkend.web import create_app
from genkend.workspace import open_workspace

from .conftest import issue_token

ORIGIN = {
    "file_system",
    "fs_path",
    "partition",
    "partition_offset",
    "address",
    "deleted",
    "reallocated",
    "fs_modified",
    "fs_accessed",
    "fs_changed",
    "fs_created",
    "fs_container",
}


@pytest.fixture
def ingested(cli: Any, tmp_path: Path) -> str:
    missing = [t for t in ("mkfs.vfat", "mcopy", "mmd", "mdel", "sfdisk") if not shutil.which(t)]
    if missing:
        pytest.skip(f"needs {', '.join(missing)} (scripts/system-deps.sh installs them)")
    image = mbr_image(tmp_path).image
    assert cli("case", "create", "W1", "--title", "disk via web").code == 0
    result = cli("ingest", str(image), "--case", "W1", "--workers", "0", "--no-faces", "--json")
    assert result.code == 0, result.err
    return "W1"


@pytest.fixture
def client(home: Path, ingested: str) -> Iterator[tuple[TestClient, dict[str, str]]]:
    token = issue_token(home, "tester")
    workspace = open_workspace(home, {})
    try:
        with TestClient(create_app(workspace), base_url="https://testserver") as made:
            yield made, {"Authorization": f"Bearer {token}"}
    finally:
        workspace.close()


def test_the_api_shows_a_deleted_files_place_as_the_cli_does(
    cli: Any, client: tuple[TestClient, dict[str, str]], ingested: str
) -> None:
    web, bearer = client
    listing = cli("media", "list", "--case", ingested, "--json").json()
    (gone,) = [m for m in listing if any(loc["deleted"] for loc in m["locations"])]
    answered = web.get(f"/api/v1/cases/{ingested}/media/{gone['id']}", headers=bearer)
    assert answered.status_code == 200, answered.text
    shown = answered.json()
    assert shown == cli("media", "show", str(gone["id"]), "--json").json()
    (place,) = shown["locations"]
    assert set(place) >= ORIGIN
    assert place["deleted"] is True and place["partition"] == "p1"
    case = web.get(f"/api/v1/cases/{ingested}", headers=bearer).json()
    assert case == cli("case", "show", ingested, "--json").json()
    (source,) = case["sources"]
    assert source["hash_scope"] == "image" and source["summary"]["deleted"] == 1


def test_the_document_names_every_origin_field(
    client: tuple[TestClient, dict[str, str]],
) -> None:
    web, bearer = client
    schemas = web.get("/api/v1/openapi.json", headers=bearer).json()["components"]["schemas"]
    assert set(schemas["LocationOut"]["properties"]) >= ORIGIN
    assert schemas["MediaOut"]["properties"]["locations"]["items"]["$ref"].endswith("LocationOut")
    assert {"sha256", "hash_scope", "summary"} <= set(schemas["SourceOut"]["properties"])
