"""`directory load|stats`, `process` with routing, `explain`, `outbox` and `deliver` end to end."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from callhandoff.cli.app import app
from callhandoff.routing.delivery.receiver import Receiver, running_receiver
from callhandoff.schema import Handoff, Transcript
from callhandoff.summarizer import factory
from tests.routing.helpers import FIXTURES, STORE, Call, make_call

runner = CliRunner()


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CALLHANDOFF_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COLUMNS", "200")
    for name in (
        "CALLHANDOFF_CLOUDCART_URL",
        "CALLHANDOFF_CULTS_URL",
        "CALLHANDOFF_POLICY_PATH",
        "CALLHANDOFF_DATABASE_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


CALLS = [
    make_call("cli-create", intent="delivery_issue", order_id="A-100101"),
    make_call(
        "cli-update",
        intent="account",
        email="alice@example.com",
        changes=[("consent", "subscribed", "unsubscribed")],
    ),
    make_call("cli-review", intent="refund", order_id="A-100102"),
    make_call("cli-skip", intent="other", summary="", next_step=""),
]


class _Prepared:
    name = "prepared"

    def __init__(self, calls: list[Call]):
        self.handoffs = {c.transcript.call_id: c.handoff for c in calls}

    def extract_many(self, transcripts: Iterable[Transcript]) -> Iterator[Handoff]:
        for transcript in transcripts:
            yield self.handoffs[transcript.call_id]

    def close(self) -> None:
        return None


def _process(workdir: Path, monkeypatch: pytest.MonkeyPatch, calls: list[Call]) -> str:
    folder = workdir / "calls"
    folder.mkdir(exist_ok=True)
    for call in calls:
        (folder / f"{call.transcript.call_id}.json").write_text(
            call.transcript.model_dump_json(exclude_none=True), encoding="utf-8"
        )
    monkeypatch.setattr(factory, "build_backend", lambda _s: _Prepared(calls))
    result = runner.invoke(app, ["process", str(folder), "--out", "out.jsonl", "--no-progress"])
    assert result.exit_code == 0, result.output
    return result.output


def test_directory_load_and_stats(workdir: Path) -> None:
    loaded = runner.invoke(app, ["directory", "load", str(STORE)])
    assert loaded.exit_code == 0, loaded.output
    assert "customers" in loaded.output and "0 rows refused" in loaded.output
    stats = runner.invoke(app, ["directory", "stats"])
    assert "print-b" in stats.output and "shop-a" in stats.output


def test_directory_load_reports_bad_rows_and_strict_fails(workdir: Path) -> None:
    bad = FIXTURES / "bad_store"
    result = runner.invoke(app, ["directory", "load", str(bad)])
    assert result.exit_code == 0
    assert f"{bad / 'customers.csv'}:3: 'phone': '12' is not a phone number" in result.output
    strict = runner.invoke(app, ["directory", "load", str(bad), "--strict"])
    assert strict.exit_code == 1


def test_directory_load_of_nothing_fails(workdir: Path) -> None:
    result = runner.invoke(app, ["directory", "load", str(workdir / "missing")])
    assert result.exit_code == 2
    assert "no such file or folder" in result.output


def test_process_decides_every_call_and_a_rerun_adds_no_action(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner.invoke(app, ["directory", "load", str(STORE)])
    output = _process(workdir, monkeypatch, CALLS)
    lines = [json.loads(line) for line in (workdir / "out.jsonl").read_text().splitlines()]
    kinds = {line["call_id"]: line["decision"]["kind"] for line in lines}
    assert kinds == {
        "cli-create": "create",
        "cli-update": "update",
        "cli-review": "review",
        "cli-skip": "skip",
    }
    assert all(line["decision"]["reasons"] for line in lines)
    assert "Decisions" in output and "review_money_change" in output
    _process(workdir, monkeypatch, CALLS)
    listing = runner.invoke(app, ["outbox"])
    assert "pending: 2, sent: 0, dead: 0, superseded: 0" in listing.output

    explained = runner.invoke(app, ["explain", "cli-review"])
    assert explained.exit_code == 0
    assert "Decision: REVIEW" in explained.output and "review_money_change" in explained.output
    missing = runner.invoke(app, ["explain", "nope"])
    assert missing.exit_code == 2 and "no call 'nope'" in missing.output
    assert "store: sqlite:///" in missing.output  # which store has no such call


def test_deliver_defaults_to_a_dry_run_showing_the_exact_request_and_diff(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner.invoke(app, ["directory", "load", str(STORE)])
    _process(workdir, monkeypatch, CALLS)
    monkeypatch.setenv("CALLHANDOFF_DESTINATION_TOKEN", "t0ps3cret")
    result = runner.invoke(app, ["deliver"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "POST <CALLHANDOFF_CLOUDCART_URL not set>/subscribers" in out
    assert "PATCH <CALLHANDOFF_CLOUDCART_URL not set>/subscribers" in out
    assert "Idempotency-Key: cli-create:create_subscriber" in out
    assert "Authorization: Bearer ***" in out and "t0ps3cret" not in out
    assert "-  consent: subscribed\n+  consent: unsubscribed" in out
    assert "dry run: 2 pending action(s) shown, nothing sent" in out
    assert "pending: 2" in runner.invoke(app, ["outbox"]).output


def test_dry_run_says_what_an_update_without_subscriber_fields_carries(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner.invoke(app, ["directory", "load", str(STORE)])
    note = make_call(
        "cli-note",
        intent="account",
        email="alice@example.com",
        changes=[("delivery_instructions", "front door", "side door")],
    )
    _process(workdir, monkeypatch, [note])
    out = runner.invoke(app, ["deliver", "--dry-run"]).output
    assert '"changes": {}' in out
    assert "this update sets no field at the destination" in out
    assert "changed on the call but not sent" in out and "delivery_instructions" in out


def test_deliver_sends_when_an_endpoint_is_configured(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner.invoke(app, ["directory", "load", str(STORE)])
    _process(workdir, monkeypatch, CALLS)
    with running_receiver() as receiver:
        monkeypatch.setenv("CALLHANDOFF_CLOUDCART_URL", receiver.url)
        preview = runner.invoke(app, ["deliver", "--dry-run"])
        assert f"POST {receiver.url}/subscribers" in preview.output
        assert receiver.requests == []
        sent = runner.invoke(app, ["deliver"])
    assert sent.exit_code == 0, sent.output
    assert "sent 2, dead-lettered 0" in sent.output
    assert sorted(receiver.applied) == [
        "cli-create:create_subscriber",
        "cli-update:update_subscribers",
    ]
    listing = runner.invoke(app, ["outbox", "--state", "sent"])
    assert "cli-create:create_subscriber" in listing.output


def test_an_outage_leaves_actions_waiting_and_retry_dead_requeues_refused_ones(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner.invoke(app, ["directory", "load", str(STORE)])
    _process(workdir, monkeypatch, CALLS)
    with running_receiver(Receiver(down=503)) as receiver:
        monkeypatch.setenv("CALLHANDOFF_CLOUDCART_URL", receiver.url)
        down = runner.invoke(app, ["deliver"])
        assert down.exit_code == 0, down.output
        assert "sent 0, dead-lettered 0, retrying later 2" in down.output
        receiver.down = None
        receiver.statuses = [422]
        assert (
            runner.invoke(app, ["outbox", "retry", "cli-create:create_subscriber"]).exit_code == 0
        )
        refused = runner.invoke(app, ["deliver"])
        assert refused.exit_code == 1 and "dead cli-create:create_subscriber" in refused.output
        none = runner.invoke(app, ["outbox", "retry"])
        assert none.exit_code == 2 and "--dead" in none.output
        requeued = runner.invoke(app, ["outbox", "retry", "--dead"])
        assert "requeued 1 action(s)" in requeued.output
        assert runner.invoke(app, ["deliver"]).exit_code == 0
    assert receiver.applied["cli-create:create_subscriber"] == 1
    listing = runner.invoke(app, ["outbox", "--state", "sent"])
    assert "cli-create:create_subscriber" in listing.output
    unknown = runner.invoke(app, ["outbox", "retry", "no-such-key"])
    assert unknown.exit_code == 1 and "not requeued" in unknown.output
