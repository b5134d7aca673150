"""Data for the unit's pages: a liaison's measures in every group of my tasks."""

import datetime as dt
import struct
import zlib
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from rectify.ledger import services
from tests.factories import add_evidence


def tiny_png() -> bytes:
    """A valid 1×1 PNG, built by hand (no imaging library needed)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


PNG = tiny_png()


def png(name="现场照片.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def text_file(name="整改报告.txt", body: bytes | None = None) -> SimpleUploadedFile:
    body = "整改情况说明".encode() if body is None else body
    return SimpleUploadedFile(name, body, content_type="text/plain")


def started(measure, actor):
    return services.start(measure, actor=actor)


def closure_requested(world, measure):
    m = started(measure, world.liaison)
    add_evidence(m, world.liaison, content=f"proof {m.pk}".encode())
    return services.request_closure(m, actor=world.liaison, reason="已整改完毕")


def returned(world, measure, *reasons):
    """Requested and returned once per reason (the last reason is the latest return)."""
    m = closure_requested(world, measure)
    for i, reason in enumerate(reasons):
        if i:
            add_evidence(m, world.liaison, content=f"again {m.pk} {i}".encode())
            m = services.request_closure(m, actor=world.liaison, reason="补充材料后再次申请")
        m = services.return_measure(m, actor=world.office, reason=reason)
    return m


@pytest.fixture
def tasks(world, pinned_today):
    """bureau_a's liaison has one measure in each group (measure_a stays a draft); bureau_b's
    measures are someone else's."""
    D = dt.date
    w = world
    overdue = started(
        w.measure(w.problem, w.bureau_a, "逾期的措施", deadline=D(2026, 11, 2)), w.office
    )
    late = started(w.measure(w.problem, w.bureau_a, "更早逾期", deadline=D(2026, 10, 20)), w.office)
    due_soon = started(
        w.measure(w.problem, w.org_a1, "临期的措施", deadline=D(2026, 11, 20)), w.office
    )
    under_way = started(
        w.measure(w.problem, w.bureau_a, "进行中的措施", deadline=D(2027, 3, 31)), w.office
    )
    moved = services.update_measure(
        under_way,
        actor=w.office,
        expected_version=under_way.version,
        deadline=D(2027, 5, 31),
        deadline_reason="涉及多部门协调",
    )
    services.add_progress_report(moved, actor=w.liaison, text="完成一半", percent_done=50)
    back = returned(
        w, w.measure(w.problem, w.bureau_a, "被退回的措施"), "佐证材料不全", "照片不清晰"
    )
    waiting = closure_requested(w, w.measure(w.problem, w.bureau_a, "待核验的措施"))
    started(w.measure_b, w.office)
    return SimpleNamespace(
        overdue=overdue,
        late=late,
        due_soon=due_soon,
        under_way=moved,
        returned=back,
        waiting=waiting,
        draft=w.measure_a,
    )
