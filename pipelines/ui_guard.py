"""`deptops ui`: the Dagster UI behind a guard, so that it is not an open door.

Dagster's webserver (1.13) runs GraphQL mutations sent as GET requests and does not look at the
Host header or the Origin: a page from anywhere, opened in a browser on the same machine, could
launch runs with one `<img>`, and DNS rebinding reaches it by name. It has no option to refuse
that (`dagster-webserver --help`: --read-only only), so deptops serves Dagster's own ASGI app
in-process, wrapped in `UiGuard`; no unguarded port is left open:

- the Host header must be one of the configured names (127.0.0.1:PORT and localhost:PORT, plus
  DEPTOPS_UI_HOSTS behind a reverse proxy);
- every request carries the token (printed at start, or DEPTOPS_UI_TOKEN_FILE): first as
  `?token=` in the address, which sets a SameSite=Strict, HttpOnly cookie; a script sends the
  `X-Deptops-Token` header;
- GraphQL runs over POST only: a GET (or HEAD) with a `query` parameter is refused;
- a POST or a WebSocket must come from the UI's own origin (Sec-Fetch-Site, else Origin); a
  request without either (not from a browser) must carry the token in its header, not a cookie;
- only GET, HEAD and POST are let through.

The pipeline's resources check paths as well (pipelines.roots): run config cannot point the inbox,
HOME or warehouse outside the deployment's roots.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Iterable
from http.cookies import SimpleCookie
from urllib.parse import parse_qs, urlencode

COOKIE = "deptops_ui"
TOKEN_HEADER = b"x-deptops-token"
ALLOWED_METHODS = {"GET", "HEAD", "POST"}


def new_token() -> str:
    return secrets.token_urlsafe(32)


class UiGuard:
    """ASGI middleware in front of Dagster's webserver app (see the module docstring)."""

    def __init__(self, app, token: str, hosts: Iterable[str]):
        if len(token) < 16:
            raise ValueError("the UI token must have at least 16 characters")
        self.app = app
        self.token = token
        self.hosts = {host.lower() for host in hosts}
        self.origins = {f"{scheme}://{host}" for host in self.hosts for scheme in ("http", "https")}

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)  # lifespan
        headers = _headers(scope)
        refusal = self.refusal(scope, headers)
        if refusal is None and scope["type"] == "http" and self._token_in_query(scope):
            return await _set_cookie_and_redirect(scope, send, self.token)
        if refusal is not None:
            status, text = refusal
            if scope["type"] == "websocket":
                return await send({"type": "websocket.close", "code": 1008})
            return await _plain(send, status, text)
        return await self.app(scope, receive, send)

    def refusal(self, scope, headers: dict[bytes, str]) -> tuple[int, str] | None:
        """(status, why) for a request the guard refuses; None to let it through."""
        host = headers.get(b"host", "").lower()
        if host not in self.hosts:
            return 403, f"unexpected Host header {host!r}: open the UI by its configured address"
        method = scope.get("method", "GET")
        if scope["type"] == "http" and method not in ALLOWED_METHODS:
            return 405, f"{method} is not allowed"
        if scope["type"] == "http" and method in ("GET", "HEAD") and _graphql_in_query(scope):
            return 405, "GraphQL runs over POST only"
        header_token = headers.get(TOKEN_HEADER)
        if not (
            self._valid(header_token)
            or self._valid(_cookie(headers))
            or self._token_in_query(scope)
        ):
            return 403, "no valid token: open the address printed when the UI started"
        if scope["type"] == "websocket" or method == "POST":
            site, origin = headers.get(b"sec-fetch-site"), headers.get(b"origin")
            if site is None and origin is None:
                if not self._valid(header_token):
                    return 403, "a request not from a browser must send the X-Deptops-Token header"
            elif site is not None and site not in ("same-origin", "none"):
                return 403, f"cross-site request refused (Sec-Fetch-Site: {site})"
            elif origin is not None and origin.lower() not in self.origins:
                return 403, f"request from another origin refused ({origin})"
        return None

    def _valid(self, candidate: str | None) -> bool:
        return candidate is not None and hmac.compare_digest(
            candidate.encode("utf-8"), self.token.encode("utf-8")
        )

    def _token_in_query(self, scope) -> bool:
        values = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token", [])
        return scope.get("method", "GET") == "GET" and any(self._valid(v) for v in values)


def _headers(scope) -> dict[bytes, str]:
    return {name.lower(): value.decode("latin-1") for name, value in scope.get("headers", [])}


def _cookie(headers: dict[bytes, str]) -> str | None:
    jar = SimpleCookie()
    try:
        jar.load(headers.get(b"cookie", ""))
    except Exception:  # noqa: BLE001 -- a malformed cookie is no token
        return None
    return jar[COOKIE].value if COOKIE in jar else None


def _graphql_in_query(scope) -> bool:
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    return scope.get("path", "").rstrip("/").endswith("graphql") and bool(
        query.get("query") or query.get("extensions")
    )


async def _plain(send, status: int, text: str) -> None:
    body = (text + "\n").encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _set_cookie_and_redirect(scope, send, token: str) -> None:
    """The address with ?token= sets the cookie, then the same address without the token (so
    that it leaves the address bar and the history)."""
    query = {
        k: v
        for k, v in parse_qs(scope.get("query_string", b"").decode("latin-1")).items()
        if k != "token"
    }
    location = scope.get("path", "/") + (f"?{urlencode(query, doseq=True)}" if query else "")
    cookie = f"{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict"
    await send(
        {
            "type": "http.response.start",
            "status": 303,
            "headers": [
                (b"location", location.encode("latin-1")),
                (b"set-cookie", cookie.encode("latin-1")),
                (b"content-length", b"0"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": b""})


def guarded_webserver_app(instance, token: str, hosts: Iterable[str], working_directory: str):
    """Dagster's webserver app for this project's Definitions, behind UiGuard. Returns the app
    and the workspace context to close."""
    from dagster._core.workspace.context import WorkspaceProcessContext
    from dagster._core.workspace.load_target import ModuleTarget
    from dagster_webserver.app import create_app_from_workspace_process_context
    from dagster_webserver.version import __version__

    context = WorkspaceProcessContext(
        instance,
        version=__version__,
        read_only=False,
        workspace_load_target=ModuleTarget(
            "pipelines.definitions", None, working_directory, "deptops"
        ),
    )
    app = create_app_from_workspace_process_context(context, "")
    return UiGuard(app, token, hosts), context
