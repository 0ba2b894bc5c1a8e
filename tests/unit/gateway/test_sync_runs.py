from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from lb_gateway.domain.sync_runs import (
    Completed,
    Failed,
    Progressed,
    Report,
    RunState,
    SourceState,
    SyncRun,
    apply_report,
)

T0 = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def new_run(*sources: str) -> SyncRun:
    return SyncRun(
        id=uuid.uuid4(),
        tenant_id="t1",
        trigger="manual",
        workflows=("orders",),
        expected_sources=sources or ("ingest",),
        requested_at=T0,
    )


def progress(seq: int, stage: str = "orders", processed: int = 0) -> Progressed:
    return Progressed("ingest", seq, stage, processed, 10, 0)


class TestApplyReport:
    def test_first_progress_starts_the_run(self) -> None:
        run = apply_report(new_run(), progress(0, processed=3), T0 + timedelta(seconds=1))
        assert run.state == RunState.RUNNING
        assert run.started_at == T0 + timedelta(seconds=1)
        assert run.sources["ingest"].stages["orders"].processed == 3

    def test_completion_of_every_expected_source_succeeds_the_run(self) -> None:
        run = apply_report(
            new_run("ingest", "ledger"), Completed("ingest", 1, {"orders": 5}, 0), T0
        )
        assert run.state == RunState.RUNNING
        run = apply_report(run, Completed("ledger", 4, {"invoices": 5}, 0), T0)
        assert run.state == RunState.SUCCEEDED
        assert run.counts == {"orders": 5, "invoices": 5}
        assert run.finished_at == T0

    def test_a_failed_source_fails_the_run_with_its_reason(self) -> None:
        run = apply_report(new_run(), Failed("ingest", 2, "LWA token revoked"), T0)
        assert run.state == RunState.FAILED
        assert run.sources["ingest"].reason == "LWA token revoked"

    def test_an_older_progress_report_does_not_overwrite_a_newer_one(self) -> None:
        run = apply_report(new_run(), progress(5, processed=8), T0)
        assert apply_report(run, progress(3, processed=2), T0) == run

    def test_late_progress_of_another_stage_still_fills_it_in_after_completion(self) -> None:
        run = apply_report(new_run(), Completed("ingest", 9, {"orders": 1}, 0), T0)
        run = apply_report(run, progress(1, stage="settlements", processed=4), T0)
        assert run.state == RunState.SUCCEEDED
        assert run.sources["ingest"].stages["settlements"].processed == 4
        assert run.sources["ingest"].state == SourceState.COMPLETED

    def test_a_finished_source_never_goes_back(self) -> None:
        run = apply_report(new_run(), Completed("ingest", 2, {"orders": 1}, 0), T0)
        assert apply_report(run, Failed("ingest", 7, "late"), T0) == run


reports = st.lists(
    st.one_of(
        st.builds(
            Progressed,
            st.just("ingest"),
            st.integers(0, 5),
            st.sampled_from(["orders", "payouts"]),
            st.integers(0, 9),
            st.none(),
            st.just(0),
        ),
        st.builds(
            Completed, st.just("ingest"), st.integers(0, 5), st.just({"orders": 1}), st.just(0)
        ),
    ),
    max_size=8,
)


class TestApplyReportProperties:
    @given(reports=reports, data=st.data())
    def test_duplicates_change_nothing(self, reports: list[Report], data: st.DataObject) -> None:
        run = new_run()
        for report in reports:
            run = apply_report(run, report, T0)
        if reports:
            again = data.draw(st.sampled_from(reports))
            assert apply_report(run, again, T0) == run

    @given(
        reports=reports.filter(lambda rs: len({(type(r), r.sequence) for r in rs}) == len(rs)),
        data=st.data(),
    )
    def test_order_of_arrival_does_not_change_the_outcome_state(
        self, reports: list[Report], data: st.DataObject
    ) -> None:
        shuffled = data.draw(st.permutations(reports))
        a, b = new_run(), new_run()
        for report in reports:
            a = apply_report(a, report, T0)
        for report in shuffled:
            b = apply_report(b, report, T0)
        assert a.state == b.state
