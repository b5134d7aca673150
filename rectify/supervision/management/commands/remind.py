"""`rectify remind`: write the reminders due, escalate, send the e-mail — once, or every
--interval seconds with --loop."""

import time

from django.core.management.base import BaseCommand

from rectify.supervision.reminders import remind


class Command(BaseCommand):
    help = (
        "Write the reminders due today, issue supervision notices for measures that stay "
        "overdue, and send the e-mail (one step, or --loop). Running it twice in the same "
        "period sends nothing twice. 发送整改提醒、逾期升级督办并投递邮件。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="run a step every --interval s")
        parser.add_argument(
            "--interval", type=int, default=600, help="seconds between steps (default 600)"
        )

    def handle(self, *args, loop=False, interval=600, **options):
        while True:
            self.handle_one()
            if not loop:
                return
            time.sleep(max(interval, 1))

    def handle_one(self):
        summary = remind()
        self.stdout.write(
            f"提醒 reminders written {summary.reminders} · 督办单 notices issued "
            f"{summary.notices} · 邮件 mails sent {summary.mailed} · 失败 failed {summary.failed}"
        )
        return summary
