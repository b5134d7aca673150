import datetime as dt
from zoneinfo import ZoneInfo

import pytest

# Deadlines are judged against "today": pin it so overdue / due-soon figures are stable.
TODAY = dt.date(2026, 11, 16)  # a Monday; the World's deadlines are 2026-12-31


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 16, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
