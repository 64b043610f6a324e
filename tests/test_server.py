"""The server over real HTTP on 127.0.0.1: the guide's own scripts, every status code, live
edits, tokens, and the same application under gunicorn."""

from __future__ import annotations

import base64
import datetime
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from wsgiref.util import setup_testing_defaults
from wsgiref.validate import validator

import pytest
from conftest import EXAMPLE, MINIMAL
from docx import Document

from threatatlas_tm.server.app import ROUTES, Config, create_app
from threatatlas_tm.server.openapi import document as openapi_document

BIN = Path(sys.executable).parent
GUIDE_QUERY = "fail_on_critical=true&fail_on_unmitigated_high=true&min_mitigation_ratio=0.7"
UNICODE = MINIMAL.replace("id: 7", "id: 2").replace("name: Shop", "name: 支払い API 💳")

# The guide's GitHub Actions step, as users copy it (ci-integration-guide.txt).
GITHUB_STEP = r'''set -euo pipefail
response=$(curl -sf \
-H "Authorization: Bearer $THREATATLAS_TOKEN" \
"$THREATATLAS_URL/api/products/$PRODUCT_ID/security-status?fail_on_critical=true&fail_on_unmitigated_high=true&min_mitigation_ratio=0.7")
echo "$response" | jq .
# Append a human-readable summary to the job page.
{
echo "## 🛡️ Threat Model — $(echo "$response" | jq -r .product_name)"
echo ""
echo "| Metric | Value |"
echo "|--------|-------|"
echo "| Total threats | $(echo "$response" | jq -r .summary.total_threats) |"
echo "| Critical | $(echo "$response" | jq -r .summary.by_severity.critical) |"
echo "| High | $(echo "$response" | jq -r .summary.by_severity.high) |"
echo "| Mitigation ratio | $(echo "$response" | jq -r '.summary.mitigation_ratio * 100 | floor')% |"
} >> "$GITHUB_STEP_SUMMARY"
if [ "$(echo "$response" | jq -r .pass)" != "true" ]; then
echo "::error::Threat model gate failed:"
echo "$response" | jq -r '.failures[]' | while read -r f; do echo "::error::- $f"; done
exit 1
fi
echo "✅ Threat model gate passed."
'''
# The guide's GitLab job script, and its two report downloads.
GITLAB_SCRIPT = r'''response=$(curl -sf -H "Authorization: Bearer $THREATATLAS_TOKEN" \
"$THREATATLAS_URL/api/products/$PRODUCT_ID/security-status?$THRESHOLDS")
echo "$response" | jq .
if [ "$(echo "$response" | jq -r .pass)" != "true" ]; then
echo "Threat model gate failed:"; echo "$response" | jq -r '.failures[]'
exit 1
fi
'''
DOWNLOADS = r'''set -euo pipefail
curl -sf -H "Authorization: Bearer $THREATATLAS_TOKEN" \
"$THREATATLAS_URL/api/products/$PRODUCT_ID/download/report.md" > threat-model.md
curl -sf -H "Authorization: Bearer $THREATATLAS_TOKEN" \
"$THREATATLAS_URL/api/products/$PRODUCT_ID/download/report.docx" > threat-model.docx
'''

needs_tools = pytest.mark.skipif(not (shutil.which("curl") and shutil.which("jq") and shutil.which("bash")),
                                 reason="the guide's scripts need bash, curl and jq")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    url: str
    token: str
    models: Path
    tokens: Path
    process: subprocess.Popen[str]

    def get(self, path: str, token: str | None = "default", headers: dict[str, str] | None = None,
            method: str = "GET") -> tuple[int, dict[str, str], bytes]:
        request = urllib.request.Request(self.url + path, method=method, headers=headers or {})
        if token:
            request.add_header("Authorization", f"Bearer {self.token if token == 'default' else token}")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()


def _token(tokens: Path, name: str, *extra: str) -> str:
    out = subprocess.run([str(BIN / "threatatlas-tm"), "token", "create", "--name", name, "--tokens", str(tokens), *extra],
                         capture_output=True, text=True, check=True)
    return out.stdout.strip()


def _wait(url: str, process: subprocess.Popen[str]) -> None:
    for _ in range(200):
        if process.poll() is not None:
            raise AssertionError(f"server exited: {process.stderr.read() if process.stderr else ''}")
        try:
            urllib.request.urlopen(url + "/health", timeout=1).read()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError("server did not start")


def _start(command: list[str], url: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, **(env or {})})
    _wait(url, process)
    return process


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    models = tmp_path / "models"
    models.mkdir()
    (models / "payments.threatmodel.yaml").write_bytes(EXAMPLE.read_bytes())
    (models / "unicode.threatmodel.yaml").write_text(UNICODE, encoding="utf-8")
    tokens = tmp_path / "tokens.yaml"
    token = _token(tokens, "ci")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = _start([str(BIN / "threatatlas-tm"), "serve", str(models), "--port", str(port), "--tokens", str(tokens)],
                     url)
    yield Server(url, token, models, tokens, process)
    process.terminate()
    process.communicate(timeout=10)


def _bash(script: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "-c", script], cwd=cwd, env={**os.environ, **env}, capture_output=True, text=True,
                          timeout=60)


@needs_tools
def test_the_guides_github_step(server: Server, tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    env = {"THREATATLAS_URL": server.url, "THREATATLAS_TOKEN": server.token, "PRODUCT_ID": "1",
           "GITHUB_STEP_SUMMARY": str(summary)}
    failing = _bash(GITHUB_STEP, tmp_path, **env)
    assert failing.returncode == 1
    assert failing.stdout.splitlines()[-2:] == ["::error::Threat model gate failed:",
                                                "::error::- 3 high/critical threat(s) have no active mitigation"]
    assert summary.read_text() == ("## 🛡️ Threat Model — Payments API\n\n| Metric | Value |\n|--------|-------|\n"
                                   "| Total threats | 24 |\n| Critical | 0 |\n| High | 3 |\n| Mitigation ratio | 79% |\n")
    passing = _bash(GITHUB_STEP.replace(GUIDE_QUERY, "fail_on_critical=true&min_mitigation_ratio=0.7"), tmp_path, **env)
    assert passing.returncode == 0 and passing.stdout.splitlines()[-1] == "✅ Threat model gate passed."


@needs_tools
def test_the_guides_gitlab_job_and_downloads(server: Server, tmp_path: Path) -> None:
    env = {"THREATATLAS_URL": server.url, "THREATATLAS_TOKEN": server.token, "PRODUCT_ID": "1",
           "THRESHOLDS": GUIDE_QUERY}
    job = _bash(GITLAB_SCRIPT, tmp_path, **env)
    assert job.returncode == 1
    assert job.stdout.splitlines()[-2:] == ["Threat model gate failed:", "3 high/critical threat(s) have no active mitigation"]
    downloads = _bash(DOWNLOADS, tmp_path, **env)
    assert downloads.returncode == 0, downloads.stderr
    assert (tmp_path / "threat-model.md").read_text().startswith("# Threat Model Report — Payments API\n")
    assert Document(str(tmp_path / "threat-model.docx")).core_properties.title == "Threat Model Report — Payments API"
    bad = _bash(DOWNLOADS, tmp_path, **{**env, "THREATATLAS_TOKEN": "ta_wrong"})
    assert bad.returncode == 22  # curl -f: the HTTP error fails the step


def test_status_is_the_cli_document(server: Server) -> None:
    status, headers, body = server.get(f"/api/products/1/security-status?{GUIDE_QUERY}")
    document = json.loads(body)
    cli = subprocess.run([str(BIN / "threatatlas-tm"), "status", str(EXAMPLE), "--thresholds", GUIDE_QUERY,
                          "--generated-at", document["generated_at"]], capture_output=True, text=True)
    assert status == 200 and headers["Content-Type"] == "application/json"
    assert body.decode() + "\n" == cli.stdout  # the same bytes, generated_at aside


def test_authentication(server: Server, tmp_path: Path) -> None:
    status, headers, body = server.get("/api/products/1/security-status", token=None)
    assert (status, json.loads(body), headers["WWW-Authenticate"]) == (401, {"detail": "Not authenticated"}, "Bearer")
    assert server.get("/api/products/1/security-status", token="ta_nope")[0] == 401
    yesterday = (datetime.date.today() - datetime.timedelta(days=1)).isoformat()
    expired = _token(server.tokens, "old", "--expires", yesterday)
    narrow = _token(server.tokens, "narrow", "--products", "2")
    time.sleep(0.05)
    # the server read the tokens file at start-up: new tokens need a restart, so check with a new app in-process
    app = create_app(Config(server.models, server.tokens))
    assert _call(app, "/api/products/1/security-status", expired)[0].startswith("401")
    invisible = _call(app, "/api/products/1", narrow)
    unknown = _call(app, "/api/products/99", narrow)
    assert invisible[0].startswith("404") and invisible[2] == unknown[2] == b'{"detail":"Product not found"}'
    assert _call(app, "/api/products/2", narrow)[0].startswith("200")
    basic = base64.b64encode(f"me:{server.token}".encode()).decode()
    assert server.get("/", token=None, headers={"Authorization": f"Basic {basic}"})[0] == 200
    assert server.get("/", token=None)[1]["WWW-Authenticate"] == 'Basic realm="threatatlas-tm"'


def _call(app: Any, path: str, token: str | None, query: str = "") -> tuple[str, list[tuple[str, str]], bytes]:
    environ: dict[str, Any] = {"SCRIPT_NAME": "", "PATH_INFO": path, "QUERY_STRING": query, "REQUEST_METHOD": "GET"}
    setup_testing_defaults(environ)
    if token:
        environ["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    seen: list[Any] = []
    result = validator(app)(environ, lambda status, headers: seen.extend([status, headers]))
    body = b"".join(result)
    result.close()
    return seen[0], seen[1], body


@pytest.mark.parametrize(("query", "parameter"), [
    ("fail_on_critical=maybe", "fail_on_critical"), ("fail_on_unmitigated_high=2", "fail_on_unmitigated_high"),
    ("min_mitigation_ratio=nan", "min_mitigation_ratio"), ("min_mitigation_ratio=inf", "min_mitigation_ratio"),
    ("min_mitigation_ratio=1.5", "min_mitigation_ratio"), ("min_mitigation_ratio=abc", "min_mitigation_ratio"),
])
def test_bad_query_is_422_naming_the_parameter(server: Server, query: str, parameter: str) -> None:
    status, _, body = server.get(f"/api/products/1/security-status?{query}")
    assert status == 422 and json.loads(body)["detail"][0]["loc"] == ["query", parameter]


@pytest.mark.parametrize("word", ["TRUE", "1", "yes", "On", "t", "Y", "false", "0", "no", "OFF", "f", "n"])
def test_booleans_parse_like_the_hosted_api(server: Server, word: str) -> None:
    status, _, body = server.get(f"/api/products/1/security-status?fail_on_unmitigated_high={word}")
    assert status == 200 and json.loads(body)["pass"] is (word.lower() in ("false", "0", "no", "off", "f", "n"))


def test_routes_methods_and_errors(server: Server) -> None:
    assert server.get("/nowhere")[0:3:2] == (404, b'{"detail":"Not Found"}')
    status, headers, _ = server.get("/api/products/1/security-status", method="POST")
    assert status == 405 and headers["Allow"] == "GET, HEAD"
    products = json.loads(server.get("/api/products")[2])
    assert [(p["id"], p["name"], p["pass"]) for p in products] == [(1, "Payments API", True), (2, "支払い API 💳", True)]
    assert json.loads(server.get("/api/products/1")[2])["owner"] == {"name": "Jane Doe", "email": "jane@example.com"}
    assert server.get("/openapi.json", token=None)[0] == 200
    assert b"passing" in server.get("/api/products/1/badge.svg")[2]
    assert b"failing" in server.get("/api/products/1/badge.svg?fail_on_unmitigated_high=true")[2]


def test_downloads_headers_etag_and_unicode_names(server: Server) -> None:
    status, headers, body = server.get("/api/products/2/download/report.md")
    assert status == 200 and headers["Content-Type"] == "text/markdown; charset=utf-8"
    assert headers["Content-Disposition"] == (
        "attachment; filename=\"____API-report.md\"; filename*=UTF-8''%E6%94%AF%E6%89%95%E3%81%84_API-report.md")
    again = server.get("/api/products/2/download/report.md", headers={"If-None-Match": headers["ETag"]})
    assert again[0] == 304 and again[2] == b""
    status, headers, body = server.get("/api/products/1/download/report.docx")
    assert headers["Content-Type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert body[:2] == b"PK" and 'filename="Payments_API-report.docx"' in headers["Content-Disposition"]


def test_a_broken_edit_keeps_the_last_good_model(server: Server) -> None:
    model = server.models / "payments.threatmodel.yaml"
    good = model.read_text()
    model.write_text(good.replace("likelihood: 3\n    impact: 5", "likelihood: 30\n    impact: 5", 1))
    time.sleep(1.2)
    status, headers, body = server.get(f"/api/products/1/security-status?{GUIDE_QUERY}")
    assert status == 200 and json.loads(body)["summary"]["total_threats"] == 24
    assert "serving its last good version" in headers["Warning"]
    health = json.loads(server.get("/health")[2])
    assert health["status"] == "degraded" and health["files_in_error"] == 1
    assert "error[out-of-range]" in health["errors"][0]["problems"][0]
    assert json.loads(server.get("/health", token=None)[2]) == {k: health[k] for k in
                                                                 ("status", "models_loaded", "files", "files_in_error")}
    model.write_text(good.replace("status: identified\n    references: [CWE-345", "status: mitigated\n    references: [CWE-345"))
    time.sleep(1.2)
    fixed = server.get(f"/api/products/1/security-status?{GUIDE_QUERY}")
    assert "Warning" not in fixed[1] and json.loads(fixed[2])["summary"]["mitigated_threats"] == 20
    assert json.loads(server.get("/health")[2])["status"] == "ok"
    server.process.terminate()
    _, log = server.process.communicate(timeout=10)
    assert server.token not in log and "GET /api/products/1/security-status?" in log


def test_start_up_refusals(tmp_path: Path) -> None:
    models = tmp_path / "m"
    models.mkdir()
    (models / "a.threatmodel.yaml").write_text(MINIMAL)
    (models / "b.threatmodel.yaml").write_text(MINIMAL)
    cli = str(BIN / "threatatlas-tm")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([cli, "serve", str(models), "--port", str(free_port()), *args], capture_output=True,
                              text=True, timeout=30)

    assert "refusing to serve without authentication" in run().stderr
    assert "only allowed on a loopback address" in run("--no-auth", "--host", "0.0.0.0").stderr
    conflict = run("--no-auth")
    assert conflict.returncode == 2 and "product id 7 is defined by both" in conflict.stderr


def test_no_auth_on_loopback(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = _start([str(BIN / "threatatlas-tm"), "serve", str(EXAMPLE.parent), "--port", str(port), "--no-auth"], url)
    try:
        with urllib.request.urlopen(url + "/api/products/1/security-status", timeout=10) as response:
            assert json.loads(response.read())["product_id"] == 1
    finally:
        process.terminate()
        process.communicate(timeout=10)


@needs_tools
def test_under_gunicorn(tmp_path: Path) -> None:
    tokens = tmp_path / "tokens.yaml"
    token = _token(tokens, "ci")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = _start([str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "2",
                      "threatatlas_tm.server.app:create_app_from_env()"], url,
                     {"THREATATLAS_MODELS": str(EXAMPLE.parent), "THREATATLAS_TOKENS": str(tokens)})
    try:
        summary = tmp_path / "summary.md"
        result = _bash(GITHUB_STEP, tmp_path, THREATATLAS_URL=url, THREATATLAS_TOKEN=token, PRODUCT_ID="1",
                       GITHUB_STEP_SUMMARY=str(summary))
        assert result.returncode == 1 and "::error::- 3 high/critical threat(s) have no active mitigation" in result.stdout
    finally:
        process.terminate()
        process.communicate(timeout=20)


def test_openapi_describes_every_route() -> None:
    document = openapi_document()
    assert document["openapi"].startswith("3.1")
    expected = {r.pattern.pattern.replace(r"(?P<id>[0-9]{1,12})", "{product_id}").replace("\\.", ".") for r in ROUTES}
    assert set(document["paths"]) == expected
    for path, item in document["paths"].items():
        assert item["get"]["summary"] and "200" in item["get"]["responses"]
        assert ("{product_id}" in path) == any(p["name"] == "product_id" for p in item["get"]["parameters"])


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is not installed (not cheap for .ci/run)")
def test_dashboard_in_headless_chromium(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = _start([str(BIN / "threatatlas-tm"), "serve", str(EXAMPLE.parent), "--port", str(port), "--no-auth"], url)
    try:
        shot = tmp_path / "dashboard.png"
        flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
                 f"--user-data-dir={tmp_path / 'profile'}"]
        subprocess.run(["chromium", *flags, f"--screenshot={shot}", "--window-size=1200,600",
                        url + "/?fail_on_unmitigated_high=true"], capture_output=True, timeout=120)
        dom = subprocess.run(["chromium", *flags, "--dump-dom", url + "/?fail_on_unmitigated_high=true"],
                             capture_output=True, text=True, timeout=120).stdout
        assert shot.exists() and shot.stat().st_size > 1000
        assert 'data-product-id="1"' in dom and "FAIL" in dom
    finally:
        process.terminate()
        process.communicate(timeout=10)
