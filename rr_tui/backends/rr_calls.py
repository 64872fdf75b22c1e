"""How the rr adapter talks to an rr API v1 server: one client, one way to call, parse and write.

`RrCalls` holds the connection pool and the three things every call shares:
`_request` (no token: `NoToken` without asking; 409: `Conflict` with the
incident as it is now; other errors in words), `_parse` (a malformed answer is
`Intercepted`) and `_write` (the keyed, optionally versioned write every action
is). `RrHttpBackend` (`backends/rr_http.py`) builds the API's resources on it.
"""

from __future__ import annotations

from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx
from pydantic import BaseModel, ValidationError

from rr_tui import __version__
from rr_tui.backends.base import Conflict, Intercepted, NoToken, Rejected
from rr_tui.backends.http_errors import check, intercepted, json_body, send
from rr_tui.backends.records import describe
from rr_tui.models import API_PREFIX, Incident

Model = TypeVar("Model", bound=BaseModel)


class RrCalls:
    """The client of one rr API server: its pool, its name, and how each call is made."""

    def __init__(
        self,
        url: str,
        token: str,
        *,
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
        name: str | None = None,
    ) -> None:
        base = url.rstrip("/")
        if not base.endswith(API_PREFIX):
            base += API_PREFIX
        self.name = name or f"rr {urlsplit(base).netloc}"
        self._timeout = timeout
        self._connect = min(timeout, 5.0)
        self._client = httpx.AsyncClient(
            base_url=base,
            headers={"Authorization": f"Bearer {token}", "User-Agent": f"rr-tui/{__version__}"},
            timeout=httpx.Timeout(timeout, connect=self._connect),
            transport=transport,
        )
        self._has_token = bool(token.strip())

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._client.aclose()

    async def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        if not self._has_token:
            # The server would answer 401 to every request: say why without asking.
            raise NoToken()
        response = await send(self._client, self.name, method, path, **kwargs)
        if response.status_code == 409:
            # A stale version: the answer carries the incident as it is now.
            said = self._error_of(response)
            if said is None:
                raise intercepted(response, self.name)
            body = json_body(response)
            current = body.get("current") if isinstance(body, dict) else None
            try:
                incident = Incident.model_validate(current)
            except ValidationError:
                raise Rejected(said[0], 409, said[1]) from None
            raise Conflict(said[0], incident)
        return check(response, self.name, self._error_of)

    @staticmethod
    def _error_of(response: httpx.Response) -> tuple[str, str] | None:
        """The rr API's `{"error": {"code", "message"}}` as (message, code); None if not that."""
        body = json_body(response)
        error = body.get("error") if isinstance(body, dict) else None
        if not isinstance(error, dict):
            return None
        message, code = error.get("message"), error.get("code")
        if not isinstance(message, str) or not isinstance(code, str):
            return None
        return message[:500], code[:100]

    def _parse(self, model: type[Model], response: httpx.Response) -> Model:
        try:
            return model.model_validate_json(response.content)
        except ValidationError as error:
            raise Intercepted(
                f"{self.name} sent a malformed answer: {describe(None, error)}"
            ) from None

    async def _write(
        self,
        model: type[Model],
        path: str,
        body: object,
        key: str,
        *,
        method: str = "POST",
        version: int | None = None,
    ) -> Model:
        """One keyed write: `key` makes a retry safe, `version` (If-Match) a stale one a 409."""
        headers = {"Idempotency-Key": key}
        if version is not None:
            headers["If-Match"] = f'"{version}"'
        response = await self._request(method, path, json=body, headers=headers)
        return self._parse(model, response)
