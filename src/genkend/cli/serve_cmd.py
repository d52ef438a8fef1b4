"""``genkend serve``: the team application on this workspace (FastAPI under Uvicorn)."""

from __future__ import annotations

from typing import Annotated

import typer

from genkend.cli.context import ctx_of, err_console
from genkend.services import maintenance


def register(app: typer.Typer) -> None:
    @app.command("serve")
    def serve(
        ctx: typer.Context,
        host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
        port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
    ) -> None:
        """Serve the web application and the JSON API (/api/v1) on this workspace.

        Listens on the loopback address by default; put a reverse proxy with TLS in front
        of it to serve a team (docs/deployment.md). Needs an admin account; from then on
        local commands act as the operator or as the account of GENKEND_TOKEN.
        """
        import uvicorn

        from genkend.web.app import create_app, keep_temporary_files_in

        context = ctx_of(ctx)
        workspace = context.workspace()
        maintenance.serve(context.session())
        keep_temporary_files_in(workspace)
        err_console.print(f"genkend serving {workspace.home} on http://{host}:{port}")
        uvicorn.run(
            create_app(workspace),
            host=host,
            port=port,
            log_level="info",
            proxy_headers=True,
            server_header=False,
            date_header=False,
        )
