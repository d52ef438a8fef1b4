"""Signing in and out of the pages."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from genkend.web.render import sign_in_page

router = APIRouter()


@router.get("/login")
def sign_in_form(request: Request) -> HTMLResponse:
    return sign_in_page(request)
