"""The application: one module per use case, shared by the command line and the web app.

Each public function takes a ``Session`` (the workspace and the acting account), passes
the gate of ``services.registry`` (roles, case membership: declared with ``@service``),
checks what only it can check (authorisation, purpose and legal basis, independence of
reviewers), owns its transaction, writes its audit event in that transaction (refusals
too) and returns frozen records. Shells parse, call one service, and render.
"""
