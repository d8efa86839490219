"""Creator imports: good, bad and hostile files; re-imports update; the run log says what was committed."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from core.crm import import_format, imports, prospects
from core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from core.models import ImportRun, Prospect
from core.permissions import ORG_ROLE_GRANTS
from core.platform.config import get_settings, reset_settings
from core.platform.timeutil import utcnow
from core.reporting import import_rejects
from tests import factories as f

SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "samples" / "creators-sample.csv"
HEADER = "platform,handle,platform_id,name,followers,engagement_rate,email,category\n"


def csv_bytes(*rows: str, header: str = HEADER) -> bytes:
    return (header + "\n".join(rows) + "\n").encode()


def start(db, actor, data: bytes, name: str = "creators.csv") -> int:
    return f.write(db, lambda s: imports.start_import(s, actor=actor, file_name=name, data=data))


def do_import(db, actor, data: bytes, name: str = "creators.csv") -> dict:
    run_pk = start(db, actor, data, name)
    imports.run_import(db, run_pk)
    return f.read(db, lambda s: imports.get_run(s, actor=actor, run_pk=run_pk))


def org_prospects(db, actor) -> list[tuple]:
    def load(s):
        return [
            tuple(r)
            for r in s.execute(
                select(Prospect.platform, Prospect.handle, Prospect.platform_id, Prospect.followers)
                .where(Prospect.organization_id == actor.organization_id)
                .order_by(Prospect.platform, Prospect.handle)
            )
        ]

    return f.read(db, load)


def analyst_of(owner):
    return dataclasses.replace(
        owner, org_role="analyst", permissions=owner.permissions & set(ORG_ROLE_GRANTS["analyst"])
    )


def rejected(db, actor, run_pk) -> list[dict]:
    _, data = f.read(db, lambda s: import_rejects.rejected_rows_csv(s, actor=actor, run_pk=run_pk))
    return list(csv.DictReader(io.StringIO(data.decode())))


@pytest.fixture
def owner(database):
    return f.sponsor(database, name="Acme Outdoor")


def test_the_sample_file_imports_its_good_rows_and_rejects_the_two_bad_ones(database, owner):
    run = do_import(database, owner, SAMPLE.read_bytes(), "creators-sample.csv")

    assert run["status"] == "SUCCEEDED"
    assert (run["rows_total"], run["rows_read"], run["rows_created"], run["rows_updated"], run["rows_rejected"]) == (
        20,
        20,
        18,
        0,
        2,
    )
    assert run["run_id"].startswith("IMP-") and run["metadata"]["encoding"] == "utf-8"
    assert run["metadata"]["columns_mapped"]["followers"] == "followers"
    rows = rejected(database, owner, run["id"])
    assert [r["line"] for r in rows] == ["20", "21"]
    assert "Unknown platform" in rows[0]["reason"] and "formula" in rows[1]["reason"]
    assert rows[1]["name"].startswith("'=HYPERLINK")  # neutralised in the download
    assert ("instagram", "lena.lifts", "17841400001", 48200) in org_prospects(database, owner)


def test_reimporting_updates_prospects_and_never_duplicates_them(database, owner):
    do_import(database, owner, csv_bytes("instagram,@Ana,1,Ana,1000,3%,ana@x.example,Food"))
    run = do_import(database, owner, csv_bytes("instagram,ana,1,Ana B,2.5K,3%,ana@x.example,Food"))

    assert (run["rows_created"], run["rows_updated"]) == (0, 1)
    assert org_prospects(database, owner) == [("instagram", "ana", "1", 2500)]


def test_a_handle_rename_with_the_same_platform_id_updates_the_same_prospect(database, owner):
    do_import(database, owner, csv_bytes("tiktok,old.name,777,Bo,100,,,"))
    before = f.read(database, lambda s: s.scalar(select(Prospect.id)))
    run = do_import(database, owner, csv_bytes("tiktok,new.name,777,Bo,200,,,"))

    assert (run["rows_created"], run["rows_updated"]) == (0, 1)
    assert org_prospects(database, owner) == [("tiktok", "new.name", "777", 200)]
    assert f.read(database, lambda s: s.scalar(select(Prospect.id))) == before


def test_a_file_that_is_not_utf8_is_refused_with_a_clear_message_and_nothing_logged(database, owner):
    data = "platform,handle,name\ninstagram,zoe,Zoë\n".encode("latin-1")
    with pytest.raises(InvalidInput, match="not UTF-8"):
        start(database, owner, data)
    assert f.read(database, lambda s: s.scalar(select(func.count()).select_from(ImportRun))) == 0


def test_a_utf8_file_with_a_byte_order_mark_is_read(database, owner):
    run = do_import(database, owner, b"\xef\xbb\xbf" + csv_bytes("youtube,chan,,Ch,10,,,"))
    assert run["status"] == "SUCCEEDED" and run["metadata"]["encoding"] == "utf-8-sig" and run["rows_created"] == 1


def test_a_file_without_a_handle_column_says_which_names_are_accepted(database, owner):
    with pytest.raises(InvalidInput, match="no handle column.*username"):
        start(database, owner, b"platform,name,followers\ninstagram,Ana,10\n")


def test_semicolon_separated_files_and_column_aliases_are_understood(database, owner):
    data = b"Network;User Name;Followers Count;Engagement\nig;@semi;1,200;2.5\n"
    run = do_import(database, owner, data)
    assert run["rows_created"] == 1
    assert org_prospects(database, owner) == [("instagram", "semi", None, 1200)]


def test_formula_cells_and_bad_numbers_reject_their_rows_with_the_reason(database, owner):
    run = do_import(
        database,
        owner,
        csv_bytes(
            "instagram,ok1,,Fine,10,,,",
            "instagram,evil,,=1+2,10,,,",
            "instagram,evil2,,Evil,10,,,@SUM(A1)",
            "instagram,nums,,Nums,many,,,",
            "instagram,pct,,Pct,10,250%,,",
        ),
    )
    assert (run["rows_created"], run["rows_rejected"]) == (1, 4)
    reasons = [r["reason"] for r in rejected(database, owner, run["id"])]
    assert "name cell starts with “=”" in reasons[0] and "category cell starts with “@”" in reasons[1]
    assert "not a number" in reasons[2] and "between 0 and 100" in reasons[3]


def test_duplicate_handles_inside_one_file_keep_the_first_and_reject_the_rest(database, owner):
    run = do_import(database, owner, csv_bytes("x,dup,,First,10,,,", "x,@DUP,,Second,20,,,", "x,other,,Other,5,,,"))
    assert (run["rows_created"], run["rows_rejected"]) == (2, 1)
    assert "Duplicate: line 2" in rejected(database, owner, run["id"])[0]["reason"]
    assert ("x", "dup", None, 10) in org_prospects(database, owner)


def test_too_many_rows_fails_the_run_before_anything_is_written(database, owner, monkeypatch):
    monkeypatch.setenv("IESCP_IMPORT_MAX_ROWS", "2")
    reset_settings()
    run = do_import(database, owner, csv_bytes("x,a,,A,1,,,", "x,b,,B,1,,,", "x,c,,C,1,,,"))
    assert run["status"] == "FAILED" and "3 rows; the limit is 2" in run["status_message"]
    assert org_prospects(database, owner) == []


def test_a_file_over_the_size_limit_is_refused(database, owner, monkeypatch):
    monkeypatch.setenv("IESCP_IMPORT_MAX_BYTES", "100")
    reset_settings()
    with pytest.raises(InvalidInput, match="the limit is"):
        start(database, owner, csv_bytes(*[f"x,h{i},,N,1,,," for i in range(10)]))


def test_json_exports_import_like_csv(database, owner):
    data = json.dumps(
        {"data": [{"platform": "YouTube", "username": "jsonchan", "id": 5, "followers": 3000, "er": "1.5%"}]}
    ).encode()
    run = do_import(database, owner, data, "export.json")
    assert run["status"] == "SUCCEEDED" and run["metadata"]["format"] == "json"
    assert org_prospects(database, owner) == [("youtube", "jsonchan", None, 3000)]


def test_prospects_of_one_organization_are_invisible_to_another(database, owner):
    rival = f.sponsor(database, name="Rival")
    run = do_import(database, owner, csv_bytes("instagram,mine,,Mine,10,,,"))

    assert f.read(database, lambda s: prospects.search_prospects(s, actor=rival)).empty
    with pytest.raises(NotFound):
        f.read(database, lambda s: imports.get_run(s, actor=rival, run_pk=run["id"]))
    with pytest.raises(NotFound):
        f.read(database, lambda s: import_rejects.rejected_rows_csv(s, actor=rival, run_pk=run["id"]))
    assert f.read(database, lambda s: imports.list_runs(s, actor=rival)).empty
    do_import(database, rival, csv_bytes("instagram,mine,,Theirs,99,,,"))  # same key, other organization
    assert org_prospects(database, owner) == [("instagram", "mine", None, 10)]
    found = f.read(database, lambda s: prospects.search_prospects(s, actor=owner, text="mine"))
    assert list(found["display_name"]) == ["Mine"] and found.attrs["total"] == 1


def test_an_analyst_reads_imports_but_cannot_start_or_abort_one(database, owner):
    analyst = analyst_of(owner)
    run_pk = start(database, owner, csv_bytes("x,a,,A,1,,,"))
    with pytest.raises(PermissionDenied):
        start(database, analyst, csv_bytes("x,b,,B,1,,,"))
    with pytest.raises(PermissionDenied):
        f.write(database, lambda s: imports.abort_import(s, actor=analyst, run_pk=run_pk, version=1))
    assert len(f.read(database, lambda s: imports.list_runs(s, actor=analyst))) == 1


def test_admins_and_influencers_cannot_import(database):
    for who in (f.admin(database), f.influencer(database)):
        with pytest.raises(PermissionDenied):
            start(database, who, csv_bytes("x,a,,A,1,,,"))


def test_aborting_a_created_run_stops_it_and_the_job_then_does_nothing(database, owner):
    run_pk = start(database, owner, csv_bytes("x,a,,A,1,,,"))
    status = f.write(database, lambda s: imports.abort_import(s, actor=owner, run_pk=run_pk, version=1))

    assert status == "ABORTED"
    assert imports.run_import(database, run_pk) == "skipped"
    assert org_prospects(database, owner) == []
    assert not list(imports.imports_dir(get_settings()).glob("*"))  # the upload is gone
    with pytest.raises(Conflict, match="already ended"):
        f.write(database, lambda s: imports.abort_import(s, actor=owner, run_pk=run_pk, version=2))


def test_aborting_a_running_run_keeps_the_committed_batches_and_says_so(database, owner, monkeypatch):
    monkeypatch.setattr(imports, "BATCH", 2)
    run_pk = start(database, owner, csv_bytes(*[f"x,h{i},,N{i},1,,," for i in range(6)]))
    original = imports._commit_batch
    calls = []

    def abort_after_first_batch(*args, **kwargs):
        original(*args, **kwargs)
        calls.append(1)
        if len(calls) == 1:  # a member presses Abort while the job runs
            version = f.read(database, lambda s: imports.get_run(s, actor=owner, run_pk=run_pk))["version"]
            f.write(database, lambda s: imports.abort_import(s, actor=owner, run_pk=run_pk, version=version))

    monkeypatch.setattr(imports, "_commit_batch", abort_after_first_batch)
    assert imports.run_import(database, run_pk) == "ABORTED"
    run = f.read(database, lambda s: imports.get_run(s, actor=owner, run_pk=run_pk))
    assert (run["rows_read"], run["rows_created"]) == (2, 2)
    assert "2 rows read: 2 created" in run["status_message"]
    assert len(org_prospects(database, owner)) == 2


def test_a_stale_version_cannot_abort(database, owner):
    run_pk = start(database, owner, csv_bytes("x,a,,A,1,,,"))
    with pytest.raises(Conflict, match="moved on"):
        f.write(database, lambda s: imports.abort_import(s, actor=owner, run_pk=run_pk, version=7))


def test_a_run_whose_worker_stopped_is_marked_timed_out(database, owner):
    run_pk = start(database, owner, csv_bytes("x,a,,A,1,,,"))
    claimed = update(ImportRun).where(ImportRun.id == run_pk).values(status="RUNNING", heartbeat_at=utcnow())
    f.write(database, lambda s: s.execute(claimed))
    assert imports.recover_stale_runs(database, now=utcnow() + dt.timedelta(minutes=1)) == 0  # still beating
    assert imports.recover_stale_runs(database, now=utcnow() + dt.timedelta(hours=1)) == 1
    run = f.read(database, lambda s: imports.get_run(s, actor=owner, run_pk=run_pk))
    assert run["status"] == "TIMED_OUT" and "stopped responding" in run["status_message"]


def test_the_preview_maps_columns_without_storing_anything(database, owner):
    mapping, ignored, first = imports.preview_import(actor=owner, file_name="c.csv", data=SAMPLE.read_bytes(), rows=3)
    assert mapping["handle"] == "handle" and ignored == [] and len(first) == 3
    assert f.read(database, lambda s: s.scalar(select(func.count()).select_from(ImportRun))) == 0


def test_counts_with_suffixes_are_parsed():
    assert [import_format.parse_count(v, "followers") for v in ("12,500", "12.5K", "1.2m", 7, "")] == [
        12500,
        12500,
        1200000,
        7,
        0,
    ]
