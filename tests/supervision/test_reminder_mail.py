"""E-mail delivery against a real SMTP server (aiosmtpd) started by the test: what arrives,
a refused connection retried later without loss or repeats, digest against immediate."""

import datetime as dt
import email
import email.policy
import socket

import pytest
from aiosmtpd.controller import Controller

from rectify.ledger import services as ledger
from rectify.supervision import services
from rectify.supervision.choices import Delivery, MailStatus
from rectify.supervision.models import Notification
from rectify.supervision.reminders import remind
from tests.supervision.town import at

pytestmark = pytest.mark.django_db

D = dt.date


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        self.messages.append((list(envelope.rcpt_tos), msg))
        return "250 OK"

    def by_address(self):
        out = {}
        for rcpts, msg in self.messages:
            for r in rcpts:
                out.setdefault(r, []).append(msg)
        return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(autouse=True)
def _no_start_reminders(town):
    """The World's draft measures would get start reminders: these tests watch others."""
    town.campaign.remind_after_days = 0
    town.campaign.save()


class Server:
    """An aiosmtpd server on a fixed port that can be stopped and started again (a new
    controller each time: a stopped one cannot restart), keeping one inbox."""

    def __init__(self, port):
        self.port, self.inbox, self.controller = port, Inbox(), None

    def start(self):
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp(settings):
    server = Server(free_port())
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 5
    settings.DEFAULT_FROM_EMAIL = "整改办 <office@example.org>"
    settings.SITE_URL = "https://rectify.example.org"
    server.start()
    yield server
    server.stop()


def subject(msg) -> str:
    """The decoded subject as a mail reader shows it (without the folding's space)."""
    return str(msg["subject"]).strip()


def overdue_measure(w):
    m = w.measure(w.problem, w.bureau_a, "清理规范各类考核事项", deadline=D(2026, 12, 24))
    return ledger.start(m, actor=w.office)


def test_an_immediate_reminder_arrives_in_chinese_with_the_link(town, clock, smtp):
    w = town
    services.set_delivery(w.liaison, Delivery.IMMEDIATE)
    m = overdue_measure(w)
    clock.move_to(at(D(2026, 12, 21)))  # three working days before the deadline
    summary = remind()
    assert summary.reminders == 1 and summary.mailed == 1 and summary.failed == 0
    [(rcpts, msg)] = smtp.inbox.messages
    assert rcpts == ["liaison@example.org"]
    assert subject(msg) == "【整改提醒】清理规范各类考核事项将于2026年12月24日到期"
    assert "office@example.org" in msg["from"]
    body = msg.get_content()
    assert body.startswith("甲省民政厅：")
    assert "你单位牵头负责的整改措施“清理规范各类考核事项”" in body
    assert "将于2026年12月24日到期" in body
    assert f"https://rectify.example.org/measures/{m.pk}/" in body
    assert body.rstrip().endswith("测试专项工作整改办")
    row = Notification.objects.get(measure=m)
    assert row.mail_status == MailStatus.SENT and row.mailed_at == at(D(2026, 12, 21))


def test_a_refused_connection_is_retried_later_without_loss_or_repeats(town, clock, smtp, caplog):
    w = town
    services.set_delivery(w.liaison, Delivery.IMMEDIATE)
    m = overdue_measure(w)
    smtp.stop()  # the server is down: the port refuses
    clock.move_to(at(D(2026, 12, 21)))
    summary = remind()
    assert summary.reminders == 1 and summary.mailed == 0 and summary.failed == 1
    row = Notification.objects.get(measure=m)
    assert row.mail_status == MailStatus.PENDING and row.mail_attempts == 1
    assert "Connection" in row.mail_error or "refused" in row.mail_error.lower()
    assert "cannot connect" in caplog.text
    clock.move_to(at(D(2026, 12, 21)).replace(minute=10))
    assert remind().failed == 1
    row.refresh_from_db()
    assert row.mail_attempts == 2
    # the server is back: the waiting mail goes out once
    smtp.start()
    clock.move_to(at(D(2026, 12, 21)).replace(minute=20))
    summary = remind()
    assert summary.reminders == 0 and summary.mailed == 1
    clock.move_to(at(D(2026, 12, 21)).replace(minute=30))
    assert remind().mailed == 0
    assert [r for r, _m in smtp.inbox.messages] == [["liaison@example.org"]]
    row.refresh_from_db()
    assert row.mail_status == MailStatus.SENT and row.mail_error == ""


def test_digest_people_get_one_mail_a_day_from_the_digest_hour(town, clock, smtp, settings):
    w = town
    settings.REMIND_DIGEST_HOUR = 8
    services.set_delivery(w.liaison2, Delivery.IMMEDIATE)
    for content in ("精简会议文件", "压缩审批时限"):
        ledger.start(
            w.measure(w.problem, w.bureau_a, content, deadline=D(2026, 12, 24)), actor=w.office
        )
        ledger.start(
            w.measure(w.problem, w.bureau_b, content, deadline=D(2026, 12, 24)), actor=w.office
        )
    clock.move_to(at(D(2026, 12, 21), 7))  # before 08:00: the digest waits, immediate goes
    summary = remind()
    assert summary.reminders == 4
    inbox = smtp.inbox.by_address()
    assert set(inbox) == {"liaison2@example.org"} and len(inbox["liaison2@example.org"]) == 2
    clock.move_to(at(D(2026, 12, 21), 8))
    remind()
    inbox = smtp.inbox.by_address()
    [digest] = inbox["liaison@example.org"]
    assert subject(digest) == "【整改提醒】2026年12月21日提醒汇总：共2条"
    body = digest.get_content()
    assert "精简会议文件将于2026年12月24日到期" in body and "压缩审批时限" in body
    # a later notification the same day waits for tomorrow's digest
    services.notify(
        [w.liaison], kind="urge", subject="请加快进度", body="催办", campaign=w.campaign
    )
    clock.move_to(at(D(2026, 12, 21), 15))
    assert remind().mailed == 0
    clock.move_to(at(D(2026, 12, 22), 8))
    remind()
    assert len(smtp.inbox.by_address()["liaison@example.org"]) == 2
    assert not Notification.objects.filter(
        recipient__in=[w.liaison, w.liaison2], mail_status=MailStatus.PENDING
    ).exists()


def test_without_an_address_the_reminder_is_in_the_app_only(town, clock, smtp):
    w = town
    w.liaison.email = ""
    w.liaison.save()
    m = overdue_measure(w)
    clock.move_to(at(D(2026, 12, 21)))
    assert remind().mailed == 0
    assert Notification.objects.get(measure=m).mail_status == MailStatus.NO_ADDRESS
    assert smtp.inbox.messages == []


def test_without_email_host_mail_goes_to_files(town, clock, settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = tmp_path / "mail"
    services.set_delivery(town.liaison, Delivery.IMMEDIATE)
    overdue_measure(town)
    clock.move_to(at(D(2026, 12, 21)))
    assert remind().mailed == 1
    [written] = list((tmp_path / "mail").iterdir())
    msg = email.message_from_bytes(written.read_bytes(), policy=email.policy.default)
    assert "2026年12月24日到期" in subject(msg)
