"""Print the query plan of every SQL statement the search and dashboard reads issue.

python -m bench.plans --url sqlite:///bench/data/sqlite-100k.sqlite3   (EXPLAIN QUERY PLAN)
python -m bench.plans --url postgresql+psycopg://postgres@127.0.0.1:5432/iescp_bench_100k   (EXPLAIN ANALYZE)

Statements are captured as SQLAlchemy sends them (with their parameters), then explained on the same
connection, so what is shown is exactly the plan of the code path, not of a hand-written copy.
"""

from __future__ import annotations

import argparse

from bench import scenarios
from bench.measure import captured_selects
from core.platform.db import connect


def explain(db, statement: str, parameters, analyze: bool) -> list[str]:
    with db.engine.connect() as conn:
        raw = conn.connection.driver_connection
        if db.is_sqlite:
            cur = raw.execute(f"EXPLAIN QUERY PLAN {statement}", parameters)
            return [f"{'  ' * 0}{row[3]}" for row in cur.fetchall()]
        prefix = "EXPLAIN (ANALYZE, BUFFERS OFF, COSTS OFF, TIMING OFF, SUMMARY ON) " if analyze else "EXPLAIN "
        with raw.cursor() as cur:
            cur.execute(prefix + statement, parameters)
            return [row[0] for row in cur.fetchall()]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--only", default="", help="comma-separated scenario names")
    parser.add_argument("--no-analyze", action="store_true")
    args = parser.parse_args(argv)
    db = connect(args.url)
    ctx = scenarios.Context.load(db)
    wanted = {w for w in args.only.split(",") if w}
    for name, fn in scenarios.core_reads(ctx).items():
        if wanted and name not in wanted:
            continue
        with captured_selects(db.engine) as statements:
            fn()
        print(f"=== {name}")
        for statement, parameters in statements:
            if "cache_generations" in statement:
                continue
            print("  " + " ".join(statement.split())[:400])
            for line in explain(db, statement, parameters, not args.no_analyze):
                print("     | " + line)
    db.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
