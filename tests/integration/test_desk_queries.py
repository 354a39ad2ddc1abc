"""The operators' requests list costs the same number of queries whatever the number of requests and
customers on it: the requests, their timelines and their accounts are read once each (SQLite)."""
from __future__ import annotations

from sqlalchemy import event

from areaclienti.adapters.demo_core.seed import seed_accounts
from areaclienti.adapters.sqlalchemy.database import upgrade
from areaclienti.app.use_cases.desk import DeskFilters

from ..support import build_harness, test_settings
from ..unit.app.test_additional_payment import pay_more


def _queries(engine, run) -> tuple[int, object]:
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        result = run()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements), result


def test_the_requests_list_reads_requests_timelines_and_accounts_once_each(tmp_path):
    harness = build_harness(test_settings(tmp_path), memory=False)
    engine = harness.container.engine()
    upgrade(engine)
    c = harness.container
    seed_accounts(c.uow(), data=c.core_system().data, password_hasher=c.password_hasher(),
                  new_id=c.secrets().new_id, now=harness.clock.now())
    desk = c.requests_desk()
    pay_more(harness, key="k-0", pep="yes")
    few, rows = _queries(engine, lambda: desk.list(DeskFilters()))
    assert len(rows) == 1
    for n in range(1, 8):
        pay_more(harness, key=f"k-{n}", pep="yes" if n % 2 else "no")
    many, rows = _queries(engine, lambda: desk.list(DeskFilters()))
    assert len(rows) == 8 and {r.customer_name for r in rows} == {"Marco Rinaldi"}
    assert many == few == 3, (few, many)  # the requests, their timelines, their accounts
