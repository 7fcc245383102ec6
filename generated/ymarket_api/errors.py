"""Contains shared errors types that can be raised from API functions"""

from collections.abc import Mapping


class UnexpectedStatus(Exception):
    """Raised by api functions when the response status an undocumented status and Client.raise_on_unexpected_status is True"""

    def __init__(self, status_code: int, content: bytes):
        self.status_code = status_code
        self.content = content

        super().__init__(
            f"Unexpected status code: {status_code}\n\nResponse content:\n{content.decode(errors='ignore')}"
        )


class UnparseableResponse(Exception):
    """Raised when the body of a documented status code does not parse as the spec documents it.

    Carries the raw response so that callers can still act on the status code:
    a malformed, empty or non-JSON error body, a missing required field or an
    enum value the spec does not know.
    """

    def __init__(
        self,
        status_code: int,
        content: bytes,
        headers: Mapping[str, str],
        cause: Exception,
    ):
        self.status_code = status_code
        self.content = content
        self.headers = headers
        self.cause = cause

        super().__init__(
            f"Status {status_code}: the body does not parse as documented ({type(cause).__name__}: {cause})"
        )


__all__ = ["UnexpectedStatus", "UnparseableResponse"]
