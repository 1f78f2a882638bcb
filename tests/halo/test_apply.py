"""The applier against a respx-mocked HaloPSA: the reliability rules at the level of single requests."""

from __future__ import annotations

import httpx

from halosync.config.schema import Config
from halosync.core.mapping import Mapping
from halosync.core.models import Row
from halosync.halo.apply import Applier
from halosync.halo.client import HaloClient
from halosync.run.wiring import mapping_from_config
from tests.support import HALO, basic_config

API = f"{HALO}/api"


def setup() -> tuple[HaloClient, Mapping]:
    config = Config.model_validate(basic_config())
    return HaloClient.from_config(config), mapping_from_config(config)


def create(client_id: int = 12, product: str = "edr", item: int = 1001, count: int = 5) -> Row:
    return Row(halo_client_id=client_id, huntress_organization_ids=[101], product=product, halo_item_id=item,
               licence_id=None, previous_count=None, count=count, action="create", status="ok")


def token() -> httpx.Response:
    return httpx.Response(200, json={"access_token": "tok", "expires_in": 3600})


def test_a_lone_create_is_sent_again_only_after_a_reread_shows_it_absent(mock):
    halo, mapping = setup()
    mock.post(f"{HALO}/auth/token").mock(return_value=token())
    posts = mock.post(f"{API}/SoftwareLicence").mock(return_value=httpx.Response(500, text="Internal Server Error"))
    reads = mock.get(f"{API}/SoftwareLicence").mock(side_effect=[
        httpx.Response(200, json={"record_count": 0, "licences": []}),  # after the batch: absent, so sent alone
        *[httpx.Response(500, text="Internal Server Error")] * 4,  # after the lone create: unknown
    ])
    rows = [create()]
    Applier(halo, mapping).apply(rows)
    assert posts.call_count == 2 and reads.call_count == 5
    assert rows[0].status == "failed" and "may have been created" in rows[0].message
    assert "the next run checks" in rows[0].message


def test_a_batch_whose_reread_is_refused_sends_no_create_again(mock):
    halo, mapping = setup()
    mock.post(f"{HALO}/auth/token").mock(return_value=token())
    posts = mock.post(f"{API}/SoftwareLicence").mock(return_value=httpx.Response(502))
    mock.get(f"{API}/SoftwareLicence").mock(return_value=httpx.Response(403))
    rows = [create(12), create(14), create(12, "sat", 1003)]
    Applier(halo, mapping).apply(rows)
    assert posts.call_count == 1
    assert [r.status for r in rows] == ["failed"] * 3
    assert all("may have been created" in r.message for r in rows)


def test_a_batch_reread_that_finds_the_licence_confirms_it(mock):
    halo, mapping = setup()
    mock.post(f"{HALO}/auth/token").mock(return_value=token())
    posts = mock.post(f"{API}/SoftwareLicence").mock(return_value=httpx.Response(500))
    mock.get(f"{API}/SoftwareLicence").mock(return_value=httpx.Response(200, json={"record_count": 1, "licences": [
        {"id": 77, "client_id": 12, "item_id": 1001, "name": "Huntress Managed EDR", "count": 5}]}))
    rows = [create()]
    Applier(halo, mapping).apply(rows)
    assert posts.call_count == 1
    assert (rows[0].status, rows[0].licence_id) == ("ok", 77)


def test_asked_twice_the_batches_in_flight_stay_unknown_whatever_they_answer_later():
    """The second signal stops at once: rows of batches whose answer had not come are recorded as in flight,
    and an answer arriving later in its own thread can no longer turn them into written rows."""
    import threading

    from halosync.halo.apply import IN_FLIGHT

    _, mapping = setup()
    second_in_flight, answer = threading.Event(), threading.Event()
    answered: list[int] = []

    class Store:
        def post_licences(self, bodies):
            if bodies[0]["client_id"] == 12:  # the first batch: the second signal comes while it waits
                second_in_flight.wait(10)
                raise KeyboardInterrupt  # reaches the run's main thread, waiting for this batch, as StopNow
            second_in_flight.set()
            answer.wait(10)  # HaloPSA takes its time with the second batch
            answered.append(len(bodies))
            return [{"id": 500 + n} for n in range(len(bodies))]

    rows = [create(client_id=12), create(client_id=12, product="sat", item=1003), create(client_id=13)]
    applied = Applier(Store(), mapping, batch_size=2, workers=2).apply(rows)  # type: ignore[arg-type]
    assert not answered  # returned without waiting for the second batch's answer
    assert [r.status for r in applied.rows] == ["failed", "failed", "failed"]
    answer.set()
    for thread in [t for t in threading.enumerate() if t.name.startswith("halosync")]:
        thread.join(10)
    assert answered == [1]  # HaloPSA did answer, after the run had stopped
    assert all(IN_FLIGHT in r.message and r.licence_id is None for r in applied.rows)
    assert applied.written == 0


def test_a_batch_whose_answer_was_seen_is_never_recorded_as_not_written():
    """One batch runs in the main thread (50 rows or fewer: a small MSP), where the second signal is raised. If it
    lands as the batch is being marked ended, the rows hold their answer: they are written, never "not written"."""
    from halosync.halo.apply import NOT_STARTED

    _, mapping = setup()

    class SignalWhileMarking(set[int]):
        def difference_update(self, *others: object) -> None:
            super().difference_update(*others)  # type: ignore[arg-type]
            raise KeyboardInterrupt  # the second signal, right after this step of the marking

    class Store:
        def post_licences(self, bodies):
            return [{"id": 500 + n} for n in range(len(bodies))]

    applier = Applier(Store(), mapping)  # type: ignore[arg-type]
    applier._in_flight = SignalWhileMarking()
    applied = applier.apply([create(client_id=12), create(client_id=13)])
    assert [(r.status, r.licence_id) for r in applied.rows] == [("ok", 500), ("ok", 501)]
    assert all(r.message != NOT_STARTED for r in applied.rows)


def test_a_write_in_flight_says_what_the_next_run_does_for_its_kind():
    _, mapping = setup()
    applier = Applier(None, mapping)  # type: ignore[arg-type]
    created = applier._interrupted(create())
    updated = applier._interrupted(create().replace(action="update", licence_id=77, previous_count=3))
    assert "may have been created" in created.message and "adopts a created licence" in created.message
    assert "licence 77" in updated.message and "may hold 5 now" in updated.message
    assert "adopts" not in updated.message and updated.message.endswith("The next run checks it too")


def test_a_bug_in_a_batch_leaves_every_unfinished_write_on_record_as_unknown_or_not_written_never_as_planned():
    """A batch that raises (a bug) ends the run with exit 70, and its rows are put on record: the finished batch
    as written, the broken one as of unknown outcome, the never-started one as not written. Never "ok" as
    planned: the ledger would take counts never sent for counts HaloPSA holds."""
    import pytest

    from halosync.halo.apply import NOT_STARTED_BUG, UNKNOWN

    _, mapping = setup()
    sent: list[int] = []

    class Store:
        def post_licences(self, bodies):
            sent.append(bodies[0]["client_id"])
            if bodies[0]["client_id"] == 13:
                raise RuntimeError("a bug")
            return [{"id": 500 + n} for n in range(len(bodies))]

    rows = [create(client_id=12), create(client_id=13), create(client_id=14)]
    with pytest.raises(RuntimeError):
        Applier(Store(), mapping, batch_size=1, workers=1).apply(rows)  # type: ignore[arg-type]
    assert sent == [12, 13]
    assert (rows[0].status, rows[0].licence_id) == ("ok", 500)
    assert rows[1].status == "failed" and rows[1].message.startswith(UNKNOWN)
    assert rows[2].status == "failed" and rows[2].message == NOT_STARTED_BUG
