"""Builders of the office's work: closure requests, extension requests, closed measures."""

import datetime as dt

from rectify.ledger import services
from rectify.ledger.models import Measure
from tests.factories import add_evidence


def requested(world, measure=None, *, by=None, percent=100, text="已全部清理完毕，形成长效机制"):
    """The measure started, reported on, with fresh evidence, and its closure requested."""
    m = Measure.objects.get(pk=(measure or world.measure_a).pk)
    by = by or (world.liaison2 if m.responsible_unit_id == world.bureau_b.pk else world.liaison)
    if m.state == "draft":
        m = services.start(m, actor=by)
    add_evidence(m, by, b"photo of the result", "整改后照片.jpg")
    if percent is not None:
        services.add_progress_report(m, actor=by, text="已完成清理", percent_done=percent)
    return services.request_closure(m, actor=by, reason=text)


def closed(world, measure=None, *, recheck_on=None, by=None):
    """The measure verified and closed by the office (requested by its unit)."""
    m = requested(world, measure, by=by)
    return services.verify(m, actor=world.office, reason="经核查，整改到位", recheck_on=recheck_on)


def extension(world, measure=None, *, days=90, reason="需协调多部门，时间不足"):
    m = Measure.objects.get(pk=(measure or world.measure_a).pk)
    by = world.liaison2 if m.responsible_unit_id == world.bureau_b.pk else world.liaison
    return services.request_extension(
        m, actor=by, requested_deadline=m.deadline + dt.timedelta(days=days), reason=reason
    )
