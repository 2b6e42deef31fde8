"""Domain errors: what services and handlers catch, whatever engine or AWS service sits behind a port.

Adapters translate their SDK's exceptions into these, so a handler maps an error to an HTTP
status (or a retry) without knowing which library raised it:

* :class:`ValidationFailed` (400), :class:`Unauthorized` (401), :class:`Forbidden` (403),
  :class:`NotFound` (404), :class:`Conflict` (409): the caller's fault, not worth retrying as is;
* :class:`Unavailable` (503): a dependency is down, slow or throttling; retry later.
"""

from __future__ import annotations


class CtsError(Exception):
    """Base of every error the system raises on purpose."""


class NotFound(CtsError):
    """The thing asked for does not exist (or the caller may not know that it does)."""


class Conflict(CtsError):
    """The change clashes with the current state (stale version, duplicate, wrong status)."""


class ValidationFailed(CtsError):
    """The input is malformed or breaks a rule; the message says what to fix."""


class Unavailable(CtsError):
    """A dependency cannot answer now; the same request may succeed later."""


class SearchUnavailable(Unavailable):
    """The search engine cannot be reached, is throttling, or its index is missing."""


class InvalidSearchQuery(ValidationFailed):
    """The search query is malformed: unknown sort or facet, page out of range, inverted range ..."""


class Unauthorized(CtsError):
    """The caller is not signed in: no credentials, bad credentials, or a token that does not verify (401)."""


class Forbidden(CtsError):
    """The caller is signed in but its roles do not allow the action (403)."""
