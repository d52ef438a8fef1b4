"""The exception tree of genkend, in one place.

Every error a user can cause or meet is a ``GenkendError``; the CLI turns it into a
one-line message on stderr and exit code 1 (``UsageError``: exit code 2). Anything
else that escapes is a bug and keeps its traceback.

    GenkendError
    ├── UsageError                 wrong arguments or options (exit 2)
    │   └── InvalidField           one named field has a bad value (shells name the flag)
    ├── SettingsError              a setting has a bad value or an unknown name
    ├── WorkspaceError             workspace folder missing, unwritable or unsafe
    ├── StoreError                 the database cannot be used
    │   ├── StoreUnavailable       the database URL does not answer
    │   └── SchemaTooNew           the workspace was written by a newer genkend
    ├── PermissionDenied           the acting account may not do this (audited)
    │   └── AuthenticationFailed   a sign-in, session or token was refused
    ├── NotFound                   a case, media item, hash set, ... does not exist
    ├── AlreadyExists              creating something that is already there
    ├── AuditError                 the audit log cannot be written or read
    ├── EvidenceError              an evidence source cannot be opened or listed
    ├── MediaError                 one file cannot be read, decoded or parsed
    │   ├── UnsupportedMedia       the content is not a type genkend analyses
    │   ├── DecodeError            the content claims a type but does not decode
    │   └── TooLarge               a decompression bomb or an over-sized image
    ├── HashSetError               a hash-set file cannot be parsed at all
    └── FaceError                  a face model cannot be loaded or run

``MediaError`` and its children describe one item: ingest records them on the item and
goes on. The others stop the command.
"""

from __future__ import annotations


class GenkendError(Exception):
    """Base of every error a user can meet; its message is shown as is."""

    exit_code = 1


class UsageError(GenkendError):
    """Wrong arguments or options."""

    exit_code = 2


class InvalidField(UsageError):
    """One field of a request has a bad value: ``InvalidField("k", "must be at least 1")``.

    The domain names its own fields, never a shell's flags; a shell shows ``field`` in
    its own words (the CLI as ``--k``).
    """

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field} {problem}")
        self.field = field
        self.problem = problem


class SettingsError(GenkendError):
    """A setting has a bad value, or a settings file names an unknown setting."""


class WorkspaceError(GenkendError):
    """The workspace folder cannot be created, written or trusted."""


class StoreError(GenkendError):
    """The database cannot be used."""


class StoreUnavailable(StoreError):
    """The database URL does not answer."""


class SchemaTooNew(StoreError):
    """The database was migrated by a newer genkend than this one."""


class PermissionDenied(GenkendError):
    """The acting account lacks the role, the case membership or the authorisation."""


class AuthenticationFailed(PermissionDenied):
    """A sign-in was refused: wrong name, password or code, a locked account, or a
    second factor the account must enrol first. The message says no more than that."""


class NotFound(GenkendError):
    """A named thing (case, media item, hash set, ...) does not exist."""


class AlreadyExists(GenkendError):
    """Creating something that already exists."""


class AuditError(GenkendError):
    """The audit log cannot be written or read."""


class EvidenceError(GenkendError):
    """An evidence source as a whole cannot be opened or listed."""


class MediaError(GenkendError):
    """One item cannot be read, decoded or parsed; ingest records it and goes on."""


class UnsupportedMedia(MediaError):
    """The content is not of a type genkend analyses."""


class DecodeError(MediaError):
    """The content claims a type but does not decode."""


class TooLarge(MediaError):
    """A decompression bomb, or an image above the pixel cap."""


class HashSetError(GenkendError):
    """A hash-set file cannot be parsed at all (single bad items are reported instead)."""


class FaceError(GenkendError):
    """A face model cannot be loaded or run."""
