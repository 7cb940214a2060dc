"""The Dagster UI is not an open door: `deptops ui` serves Dagster's webserver behind UiGuard. A
GraphQL mutation sent as GET (what one `<img>` on any page sends) is refused and launches
nothing, as are a foreign Host, a foreign Origin and a request without the token, while the same
mutation POSTed from the UI's own origin with the token launches the run. The pipeline's resources
refuse an inbox, HOME or warehouse outside the deployment's folders, whatever the run config says.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from urllib.parse import urlencode

import dagster as dg
import pytest

from pipelines.definitions import LOAD_JOB, build_definitions
from pipelines.settings import REPO_ROOT, Settings

TOKEN = "a-test-token-of-enough-length-0123456789"
LAUNCH = """mutation {
  launchRun(executionParams: {
    selector: {repositoryLocationName: "deptops", repositoryName: "__repository__",
               jobName: "backup_job"},
    runConfigData: {}}) { __typename }
}"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def ui(tmp_path_factory):
    home = tmp_path_factory.mktemp("ui")
    (home / "inbox").mkdir()
    (home / "dagster").mkdir()
    shutil.copyfile(REPO_ROOT / "dagster.yaml", home / "dagster" / "dagster.yaml")
    (home / "token").write_text(TOKEN + "\n")
    port = free_port()
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home / "dagster"),
        "DEPTOPS_HOME": str(home),
        "DEPTOPS_UI_TOKEN_FILE": str(home / "token"),
        "PYTHONPATH": str(REPO_ROOT),
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", "ui", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        # a guard against a hang, not a measure of speed: the UI takes minutes on a busy machine
        deadline = time.monotonic() + 1800
        while True:
            try:
                if request(port, "GET", "/server_info", token_header=True)[0] == 200:
                    break
            except OSError:
                pass
            assert server.poll() is None, "deptops ui stopped"
            assert time.monotonic() < deadline, "deptops ui did not answer in 30 minutes"
            time.sleep(1)
        yield port, home
    finally:
        server.terminate()
        server.wait(timeout=60)


def request(
    port, method, path, body=None, host=None, token_header=False, cookie=False, origin=None
):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Host": host or f"127.0.0.1:{port}"}
    if token_header:
        headers["X-Deptops-Token"] = TOKEN
    if cookie:
        headers["Cookie"] = f"deptops_ui={TOKEN}"
    if origin:
        headers["Origin"] = origin
    if body is not None:
        headers["Content-Type"] = "application/json"
        body = json.dumps(body)
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    answer = (response.status, response.read().decode("utf-8", "replace"), dict(response.headers))
    connection.close()
    return answer


def runs(home) -> int:
    with dg.DagsterInstance.from_config(str(home / "dagster")) as instance:
        return instance.get_runs_count()


def test_a_mutation_sent_as_get_launches_nothing(ui):
    port, home = ui
    path = "/graphql?" + urlencode({"query": LAUNCH})
    # what an <img src="http://127.0.0.1:3000/graphql?query=mutation…"> sends, cookie and all
    status, text, _ = request(port, "GET", path, cookie=True, origin=None)
    assert (status, text) == (405, "GraphQL runs over POST only\n")
    assert request(port, "GET", path)[0] == 405
    assert runs(home) == 0


def test_foreign_host_origin_and_missing_token_are_refused(ui):
    port, home = ui
    body = {"query": LAUNCH}
    # DNS rebinding: the browser sends the attacker's name as Host
    status, text, _ = request(port, "POST", "/graphql", body, host="evil.example:80", cookie=True)
    assert status == 403 and "unexpected Host header 'evil.example:80'" in text
    status, text, _ = request(
        port, "POST", "/graphql", body, cookie=True, origin="http://evil.example"
    )
    assert (status, text) == (403, "request from another origin refused (http://evil.example)\n")
    status, text, _ = request(port, "POST", "/graphql", body, origin=f"http://127.0.0.1:{port}")
    assert status == 403 and "no valid token" in text
    # a script (no Origin) must send the token as a header, a cookie alone is not enough
    status, text, _ = request(port, "POST", "/graphql", body, cookie=True)
    assert status == 403 and "X-Deptops-Token" in text
    assert request(port, "GET", "/")[0] == 403
    assert request(port, "DELETE", "/graphql", token_header=True)[0] == 405
    assert runs(home) == 0


def test_the_token_address_sets_the_cookie_and_leaves_the_address(ui):
    port, _ = ui
    status, _, headers = request(port, "GET", f"/runs?token={TOKEN}")
    assert status == 303 and headers["location"] == "/runs"
    assert headers["set-cookie"] == f"deptops_ui={TOKEN}; Path=/; HttpOnly; SameSite=Strict"
    assert request(port, "GET", "/runs", cookie=True)[0] == 200


def test_the_same_mutation_from_the_ui_itself_launches_the_run(ui):
    port, home = ui
    before = runs(home)
    status, text, _ = request(
        port, "POST", "/graphql", {"query": LAUNCH}, cookie=True, origin=f"http://127.0.0.1:{port}"
    )
    assert status == 200, text
    assert json.loads(text)["data"]["launchRun"]["__typename"] == "LaunchRunSuccess"
    assert runs(home) == before + 1


@pytest.mark.parametrize(
    ("resource", "field", "path"),
    [
        ("deptops", "inbox", "/etc"),
        ("deptops", "home", "/tmp"),
        ("duckdb", "database", "/tmp/w.db"),
    ],
)
def test_run_config_cannot_point_outside_the_deployment(tmp_path, resource, field, path):
    settings = Settings(home=tmp_path / "home", inbox=tmp_path / "inbox")
    (tmp_path / "inbox").mkdir()
    job = build_definitions(settings).resolve_job_def(LOAD_JOB)
    given = (
        {"home": str(settings.home), "inbox": str(settings.inbox)} if resource == "deptops" else {}
    )
    result = job.execute_in_process(
        run_config={"resources": {resource: {"config": {**given, field: path}}}},
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
    )
    assert not result.success
    what = {"inbox": "inbox", "home": "HOME", "database": "warehouse"}[field]
    messages = [
        e.event_specific_data.error.to_string()  # with its cause: the resource's own error
        for e in result.all_events
        if e.is_failure and e.event_specific_data and getattr(e.event_specific_data, "error", None)
    ]
    expected = f"the {what} {os.path.realpath(path)} is outside this deployment's folders"
    assert any(expected in m for m in messages), messages
    assert not os.path.exists(path) or path != "/tmp/w.db"  # nothing written there


@pytest.mark.browser
def test_the_ui_works_in_chromium_behind_the_guard(ui, chromium):
    """The address with the token opens the UI; none of its own requests (GraphQL POSTs, the
    WebSocket) is refused."""
    port, _ = ui
    refused = []
    context = chromium.new_context()
    page = context.new_page()
    page.on("response", lambda r: r.status >= 400 and refused.append((r.status, r.url)))
    page.goto(f"http://127.0.0.1:{port}/?token={TOKEN}", wait_until="load")
    assert "token=" not in page.url
    page.goto(f"http://127.0.0.1:{port}/jobs", wait_until="load")
    page.get_by_text("load_ledgers").first.wait_for(timeout=120_000)
    context.close()
    assert refused == []
