"""Time accounts.list_users (the admin Users page) on a users-only bulk set, beside its raw-SQL floor.

    .venv/bin/python -m bench.users_bench --url sqlite:////tmp/users-bench/users-100k.sqlite3 --build

--build creates the schema and adds 100k influencers and 4k sponsors (seed_bulk, no campaigns) to an empty database;
the users and profiles are the same rows the 100k bench set holds. Prints one line per filter.
"""

from __future__ import annotations

from bench.floor_bench import captured, floor, median_ms, open_database
from core.demo import seed_bulk
from core.marketplace import accounts
from core.platform import bootstrap

CASES = {
    "any, page 1": {},
    "any, 10k deep": {"deep": True},
    "active": {"state": "active"},
    "pending": {"state": "pending"},
    "flagged": {"state": "flagged"},
    "deactivated": {"state": "deactivated"},
    "sponsors": {"role": "sponsor"},
    "text 'creator5001'": {"text": "creator5001"},
}


def main() -> None:
    args, db = open_database(__doc__.splitlines()[0], reps=30)
    if args.build:
        bootstrap.init_database(db)
        seed_bulk.seed_bulk(db, influencers=100_000, campaigns=0, requests=0, sponsors=4_000, events=False, log=print)
    with db.ReadSession() as s:
        actor = accounts.load_actor(s, 1)
        ids = accounts.list_users(s, actor=actor, limit=500)[0]["id"]
        deep = int(ids.iloc[-1]) - 9_500  # about 10,000 rows down

    for name, case in CASES.items():
        kwargs = {k: v for k, v in case.items() if k != "deep"}
        after = deep if case.get("deep") else None

        def call(after=after, kwargs=kwargs):
            with db.ReadSession() as s:
                return accounts.list_users(s, actor=actor, after_id=after, limit=50, **kwargs)

        (frame, total), statements = captured(db, call)
        sql = [item for item in statements if "FROM users" in item[0]]

        call()
        core_med, core_p95 = median_ms(call, args.reps)
        floor_med, _ = median_ms(lambda sql=sql: floor(db, sql), args.reps)
        print(
            f"{name:16} rows={len(frame):3} total={total!s:>8}  core {core_med:7.1f} ms (p95 {core_p95:6.1f})  floor {floor_med:7.1f} ms"
        )
    db.dispose()


if __name__ == "__main__":
    main()
