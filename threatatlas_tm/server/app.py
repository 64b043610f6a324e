"""A plain WSGI application (PEP 3333, no framework) serving the hosted endpoint's URLs.

    gunicorn 'threatatlas_tm.server.app:create_app_from_env()'

Everything a client sees is built from the same core as the CLI: the security-status bytes are
the `status` command's, the downloads are the `report` command's.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
import os
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qsl, quote

from threatatlas_tm.core.posture import Posture, StatusResult, Thresholds, evaluate, status_document
from threatatlas_tm.core.report import build_report, report_file_name
from threatatlas_tm.core.thresholds import ThresholdError, parse_bool, parse_ratio
from threatatlas_tm.render import report_bytes
from threatatlas_tm.server import pages
from threatatlas_tm.server.store import FileState, ModelStore, health
from threatatlas_tm.server.tokens import Token, find, load_tokens

LOG = logging.getLogger("threatatlas_tm.server")
JSON = "application/json"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
Headers = list[tuple[str, str]]
StartResponse = Callable[..., Any]


@dataclass(frozen=True)
class Config:
    models: Path
    tokens: Path | None = None  # None: no authentication (loopback only, enforced by `serve`)
    interval: float = 1.0  # seconds between checks for changed model files


@dataclass
class Response:
    status: int
    body: bytes
    content_type: str = JSON
    headers: Headers | None = None


class HttpError(Exception):
    def __init__(self, status: int, detail: Any, headers: Headers | None = None) -> None:
        super().__init__(status)
        self.status, self.detail, self.headers = status, detail, headers or []


@dataclass(frozen=True)
class Request:
    query: dict[str, str]
    headers: dict[str, str]
    token: Token | None  # the caller's token; None when authentication is off


@dataclass(frozen=True)
class Route:
    name: str
    pattern: re.Pattern[str]
    summary: str
    product_scoped: bool
    public: bool = False  # no token needed


ROUTES = (
    Route("dashboard", re.compile(r"/"), "HTML dashboard: one row per product with its verdict and reports", False),
    Route("health", re.compile(r"/health"), "ok or degraded, models loaded, files in error", False, public=True),
    Route("openapi", re.compile(r"/openapi\.json"), "This OpenAPI 3.1 document", False, public=True),
    Route("products", re.compile(r"/api/products"), "The products visible to the token, with their counts", False),
    Route("product", re.compile(r"/api/products/(?P<id>[0-9]{1,12})"), "One product's metadata and counts", True),
    Route("security_status", re.compile(r"/api/products/(?P<id>[0-9]{1,12})/security-status"),
          "The security posture, as ThreatAtlas's endpoint", True),
    Route("report_md", re.compile(r"/api/products/(?P<id>[0-9]{1,12})/download/report\.md"),
          "The threat-model report as Markdown", True),
    Route("report_docx", re.compile(r"/api/products/(?P<id>[0-9]{1,12})/download/report\.docx"),
          "The threat-model report as Word", True),
    Route("badge", re.compile(r"/api/products/(?P<id>[0-9]{1,12})/badge\.svg"), "A pass/fail badge", True),
)
_STAMP = "\u0000generated-at\u0000"  # a value no model can produce; replaced in each response
_STAMP_IN_JSON = json.dumps(_STAMP)[1:-1].encode()
_REASONS = {200: "OK", 304: "Not Modified", 401: "Unauthorized", 404: "Not Found", 405: "Method Not Allowed",
            422: "Unprocessable Entity", 500: "Internal Server Error"}


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode("utf-8")


def _thresholds(query: dict[str, str]) -> Thresholds:
    """The endpoint's query parameters, validated as the hosted API does (422 naming the parameter)."""
    values: dict[str, Any] = {}
    errors = []
    for name in ("fail_on_critical", "fail_on_unmitigated_high", "min_mitigation_ratio"):
        if name not in query:
            continue
        try:
            values[name] = (parse_ratio if name == "min_mitigation_ratio" else parse_bool)(name, query[name])
        except ThresholdError as error:
            errors.append({"loc": ["query", name], "msg": str(error), "input": query[name],
                           "type": "float_parsing" if name == "min_mitigation_ratio" else "bool_parsing"})
    if errors:
        raise HttpError(422, errors)
    return Thresholds(**values)


K = TypeVar("K")
V = TypeVar("V")
_CACHE_LIMIT = 1024


def _remember(cache: dict[K, V], key: K, make: Callable[[], V]) -> V:
    """A bounded cache: emptied when full (models change rarely; a refill is cheap)."""
    value = cache.get(key)
    if value is None:
        if len(cache) >= _CACHE_LIMIT:
            cache.clear()
        value = cache[key] = make()
    return value


def content_disposition(file_name: str) -> str:
    """RFC 6266 with an RFC 5987 filename* so names beyond Latin-1 survive."""
    fallback = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in file_name)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(file_name, safe='')}"


class Application:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.store = ModelStore(config.models, config.interval)
        self.tokens = load_tokens(config.tokens) if config.tokens else None
        # keyed by the model's generation (unique across the store) and the thresholds
        self._postures: dict[tuple[int, Thresholds], Posture] = {}
        self._reports: dict[tuple[int, Thresholds, str], tuple[bytes, str]] = {}
        self._status_bodies: dict[tuple[int, Thresholds], list[bytes]] = {}

    # WSGI -----------------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        try:
            response = self.handle(environ)
        except HttpError as error:
            response = Response(error.status, _json({"detail": error.detail}), headers=error.headers)
        except Exception:  # noqa: BLE001 - a client never sees a stack trace
            LOG.exception("internal error on %s %s", environ.get("REQUEST_METHOD"), environ.get("PATH_INFO"))
            response = Response(500, _json({"detail": "Internal Server Error"}))
        headers = [("Content-Type", response.content_type), ("Content-Length", str(len(response.body))),
                   *(response.headers or [])]
        start_response(f"{response.status} {_REASONS.get(response.status, '')}".strip(), headers)
        return [b""] if environ.get("REQUEST_METHOD") == "HEAD" else [response.body]

    def handle(self, environ: dict[str, Any]) -> Response:
        path = environ.get("PATH_INFO") or "/"
        route, match = next(((r, m) for r in ROUTES if (m := r.pattern.fullmatch(path))), (None, None))
        if route is None or match is None:
            raise HttpError(404, "Not Found")
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            raise HttpError(405, "Method Not Allowed", [("Allow", "GET, HEAD")])
        raw_query = environ.get("QUERY_STRING", "")
        query = dict(parse_qsl(raw_query, keep_blank_values=True)) if raw_query else {}
        headers = {"authorization": environ.get("HTTP_AUTHORIZATION", ""),
                   "if-none-match": environ.get("HTTP_IF_NONE_MATCH", "")}
        token = None if route.public else self.authenticate(headers["authorization"], html=route.name == "dashboard")
        request = Request(query, headers, token)
        handler: Callable[..., Response] = getattr(self, "get_" + route.name)
        if route.product_scoped:
            return handler(request, self.product(int(match["id"]), token))
        return handler(request)

    # access ---------------------------------------------------------------------------
    def authenticate(self, header: str, html: bool) -> Token | None:
        if self.tokens is None:
            return None
        challenge = [("WWW-Authenticate", 'Basic realm="threatatlas-tm"' if html else "Bearer")]
        scheme, _, credentials = header.partition(" ")
        if not credentials:
            raise HttpError(401, "Not authenticated", challenge)
        raw = credentials.strip()
        if scheme.lower() == "basic":  # browsers: any user name, the token as password
            import base64

            try:
                raw = base64.b64decode(raw, validate=True).decode("utf-8").partition(":")[2]
            except ValueError:  # not base64, not ASCII, not UTF-8: binascii.Error and friends
                raw = ""
        elif scheme.lower() != "bearer":
            raise HttpError(401, "Not authenticated", challenge)
        token = find(self.tokens, raw) if raw.isascii() else None
        if token is None or token.expired(datetime.date.today()):
            raise HttpError(401, "Invalid or expired token", challenge)
        return token

    def visible(self, token: Token | None) -> list[FileState]:
        snapshot = self.store.refresh()
        return [state for pid, state in sorted(snapshot.products.items()) if token is None or token.may_see(pid)]

    def product(self, product_id: int, token: Token | None) -> FileState:
        state = self.store.refresh().products.get(product_id)
        # a product the token may not see is answered exactly like one that does not exist
        if state is None or (token is not None and not token.may_see(product_id)):
            raise HttpError(404, "Product not found")
        return state

    # evaluation, cached per model version -------------------------------------------------
    def posture(self, state: FileState, thresholds: Thresholds) -> Posture:
        model = state.model
        assert model is not None
        return _remember(self._postures, (state.version, thresholds), lambda: evaluate(model, thresholds))

    def report(self, state: FileState, thresholds: Thresholds, fmt: str) -> tuple[bytes, str]:
        return _remember(self._reports, (state.version, thresholds, fmt), lambda: self._render(state, thresholds, fmt))

    def _render(self, state: FileState, thresholds: Thresholds, fmt: str) -> tuple[bytes, str]:
        posture = self.posture(state, thresholds)
        stamp = datetime.datetime.fromtimestamp(state.stamp[0] / 1e9, datetime.timezone.utc).isoformat()
        body = report_bytes(build_report(StatusResult(posture, status_document(posture, stamp))), fmt)
        return body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"'

    @staticmethod
    def warnings(state: FileState) -> Headers:
        if any(p.level.value == "error" for p in state.problems):
            # the file name stays out: header values must be Latin-1 and unquoted names could break them
            return [("Warning", '199 threatatlas-tm "the model file has errors; serving its last good version"')]
        return []

    # routes ---------------------------------------------------------------------------
    def get_health(self, request: Request) -> Response:
        details = False
        if request.headers["authorization"] and self.tokens is not None:
            try:
                details = self.authenticate(request.headers["authorization"], html=False) is not None
            except HttpError:
                details = False
        return Response(200, _json(health(self.store.refresh(), details or self.tokens is None)),
                        headers=[("Cache-Control", "no-store")])

    def get_openapi(self, request: Request) -> Response:
        from threatatlas_tm.server.openapi import document

        return Response(200, _json(document()))

    def get_products(self, request: Request) -> Response:
        return Response(200, _json([self.product_summary(state) for state in self.visible(request.token)]),
                        headers=[("Cache-Control", "no-store")])

    def product_summary(self, state: FileState) -> dict[str, Any]:
        assert state.model is not None
        posture = self.posture(state, Thresholds())
        summary = status_document(posture, "")["summary"]
        return {"id": state.model.product.id, "name": state.model.product.name, "pass": posture.passed,
                "summary": summary, "unmitigated_high": len(posture.unmitigated_high)}

    def get_product(self, request: Request, state: FileState) -> Response:
        assert state.model is not None
        p = state.model.product
        document = {**self.product_summary(state), "description": p.description, "status": p.status,
                    "business_area": p.business_area,
                    "owner": {"name": p.owner.name, "email": p.owner.email} if p.owner else None,
                    "repository_url": p.repository_url, "application_url": p.application_url,
                    "last_reviewed": p.last_reviewed}
        return Response(200, _json(document), headers=self.warnings(state))

    def get_security_status(self, request: Request, state: FileState) -> Response:
        thresholds = _thresholds(request.query)
        # rendered once per model version; each response only stamps its own generated_at
        template = _remember(self._status_bodies, (state.version, thresholds), lambda: _json(
            status_document(self.posture(state, thresholds), _STAMP)).split(_STAMP_IN_JSON, 1))
        now = datetime.datetime.now(datetime.timezone.utc).isoformat().encode()
        return Response(200, template[0] + now + template[1],
                        headers=[("Cache-Control", "no-store"), *self.warnings(state)])

    def _download(self, request: Request, state: FileState, fmt: str, content_type: str) -> Response:
        assert state.model is not None
        body, etag = self.report(state, _thresholds(request.query), fmt)
        headers = [("ETag", etag), ("Cache-Control", "no-cache"),
                   ("Content-Disposition", content_disposition(report_file_name(state.model.product.name, fmt))),
                   *self.warnings(state)]
        if etag in [tag.strip() for tag in request.headers["if-none-match"].split(",")]:
            return Response(304, b"", content_type, headers)
        return Response(200, body, content_type, headers)

    def get_report_md(self, request: Request, state: FileState) -> Response:
        return self._download(request, state, "md", "text/markdown; charset=utf-8")

    def get_report_docx(self, request: Request, state: FileState) -> Response:
        return self._download(request, state, "docx", DOCX)

    def get_badge(self, request: Request, state: FileState) -> Response:
        posture = self.posture(state, _thresholds(request.query))
        return Response(200, pages.badge(posture.passed).encode(), "image/svg+xml",
                        [("Cache-Control", "no-cache"), *self.warnings(state)])

    def get_dashboard(self, request: Request) -> Response:
        thresholds = _thresholds(request.query)
        rows = [(state, self.posture(state, thresholds)) for state in self.visible(request.token)]
        snapshot = health(self.store.refresh(), details=False)
        html = pages.dashboard(rows, thresholds, request.query, snapshot["status"], time.strftime("%Y-%m-%d %H:%M:%S"))
        return Response(200, html.encode("utf-8"), "text/html; charset=utf-8", [("Cache-Control", "no-store")])


def create_app(config: Config) -> Application:
    return Application(config)


def create_app_from_env() -> Application:
    """For WSGI servers: THREATATLAS_MODELS (folder), THREATATLAS_TOKENS (file); without a
    tokens file THREATATLAS_NO_AUTH=1 must be set explicitly."""
    models = os.environ.get("THREATATLAS_MODELS")
    if not models:
        raise RuntimeError("set THREATATLAS_MODELS to the folder of threat models")
    tokens = os.environ.get("THREATATLAS_TOKENS")
    if not tokens and os.environ.get("THREATATLAS_NO_AUTH") != "1":
        raise RuntimeError("set THREATATLAS_TOKENS to a tokens file (or THREATATLAS_NO_AUTH=1 for no authentication)")
    return create_app(Config(Path(models), Path(tokens) if tokens else None))
