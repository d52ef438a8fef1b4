"""genkend: a victim identification workbench (see docs/ and DESIGN.md).

Importing the package confines the process before any library genkend uses is loaded:
nothing is written outside the workspace and the temporary folder, and nothing records
telemetry (DESIGN rule 6). onnxruntime's telemetry, which otherwise keeps a device id and
an event queue under ``~/.cache/Microsoft`` and a session file in the temporary folder,
is switched off through its environment variable (``disable_telemetry_events()`` comes
too late: the queue exists once onnxruntime is imported). The caches and settings that
matplotlib, fontconfig and other libraries keep under ``~/.cache`` and ``~/.config`` go
to a private temporary folder, removed when the process that made it ends; worker
processes inherit the environment and share it. ``XDG_DATA_HOME`` is left alone: it
locates the default workspace.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

# Names the private folder for worker processes; not a setting (no GENKEND_ prefix).
_PRIVATE_FOLDER = "_GENKEND_CACHE"
_REDIRECTED = ("MPLCONFIGDIR", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME")


def _confine() -> None:
    os.environ["ORT_DISABLE_TELEMETRY"] = "1"
    folder = os.environ.get(_PRIVATE_FOLDER, "")
    if not os.path.isdir(folder):
        folder = tempfile.mkdtemp(prefix="genkend-cache-")
        os.environ[_PRIVATE_FOLDER] = folder
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
    for name in _REDIRECTED:
        os.environ[name] = os.path.join(folder, name.lower())


_confine()
