"""`rectify demo`: migrate, build the demo campaign once, and optionally serve it locally.

The demo logins share one well-known password, so serving refuses any address but loopback.
"""

import ctypes
import ipaddress
import signal
import subprocess
import sys
import time
import unicodedata

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.http.request import validate_host
from django.utils import translation

from rectify.demo.builder import build_demo
from rectify.demo.data import DEMO_USERS, ROLE_NAMES
from rectify.ledger.choices import MeasureState
from rectify.orgs.access import SYSTEM
from rectify.orgs.choices import Role
from rectify.orgs.models import User
from rectify.reports import figures
from rectify.supervision.reminders import start_schedule


def pad(text: str, width: int) -> str:
    """Left-justify by display width: Chinese characters take two terminal columns."""
    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(width - used, 1)


def is_loopback(host: str) -> bool:
    """True for localhost, 127.0.0.0/8 and ::1 (brackets allowed): nobody else can connect."""
    host = host.strip().removeprefix("[").removesuffix("]")
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Command(BaseCommand):
    help = (
        "Migrate the database, build the demo campaign (slug “demo”) once, and with --serve "
        "serve it on a loopback address. 迁移数据库，生成演示数据（仅一次），可选在本机启动服务。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--serve", action="store_true", help="then serve the site (runserver, no reload)"
        )
        parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args, serve=False, host="127.0.0.1", port=8000, **options):
        if serve and not is_loopback(host):
            raise CommandError(
                f"拒绝在非本机地址 {host} 上提供演示服务：演示账号使用公开的固定密码。"
                "请使用 127.0.0.1、::1 或 localhost。未做任何更改。\n"
                f"Refusing to serve the demo on {host}, which is not a loopback address: the "
                "demo accounts share a well-known password. Use 127.0.0.1, ::1 or localhost. "
                "Nothing was changed."
            )
        self.stdout.write("迁移数据库 / Migrating the database …")
        call_command("migrate", interactive=False, verbosity=0)

        started = time.monotonic()
        self.stdout.write("生成演示数据 / Building the demo campaign …")
        campaign, created = build_demo(log=self.stdout.write)
        if created:
            took = time.monotonic() - started
            self.stdout.write(
                self.style.SUCCESS(
                    f"演示数据已生成，用时 {took:.1f} 秒 / Demo campaign built in {took:.1f} s."
                )
            )
        else:
            self.stdout.write(
                "演示数据已存在，未做任何更改 / The demo campaign already exists; "
                "nothing was changed."
            )
        self.write_figures(campaign)

        if serve:
            self.serve(host, port)

    def write_figures(self, campaign):
        f = figures.campaign_figures(SYSTEM, campaign)
        states = "，".join(f"{MeasureState(k).label} {v}" for k, v in f.measures_by_state.items())
        lines = [
            f"地区 regions {f.regions} · 工作组 work groups {f.work_groups} · "
            f"抽调干部 cadres {f.cadres}",
            f"座谈会 symposiums {f.symposiums} · 访谈人次 interviewees {f.interviewees}",
            f"反映问题 problems collected {f.problems_collected} · 意见建议 suggestions "
            f"{f.suggestions_collected} · 梳理 consolidated {f.consolidated} · 突出问题 "
            f"prominent {f.prominent}",
            f"巡视反馈 inspection {f.inspection_total}，已整改到位 rectified "
            f"{f.inspection_rectified} · 同步整改社会组织 subordinate units {f.subordinate_units}",
            f"措施 measures {f.measures_total}（{states}）· 逾期 overdue {f.overdue} · "
            f"临期 due soon {f.due_soon}",
        ]
        for indicator in campaign.indicators.order_by("id"):
            lines.append(
                f"成效指标 indicator: {indicator.name} {indicator.value:,.0f} {indicator.unit}"
            )
        for line in lines:
            self.stdout.write("  " + line)

    def serve(self, host: str, port: int):
        call_command("collectstatic", interactive=False, verbosity=0)
        bare = host.strip().removeprefix("[").removesuffix("]")
        ipv6 = ":" in bare
        address = f"[{bare}]" if ipv6 else bare
        self.stdout.write("")
        if not validate_host(address, settings.ALLOWED_HOSTS):
            self.stdout.write(
                self.style.WARNING(
                    f"ALLOWED_HOSTS 不含 {address}，页面将返回 400，请设置该环境变量。/ "
                    f"ALLOWED_HOSTS lacks {address}: pages will answer 400; set ALLOWED_HOSTS."
                )
            )
        self.stdout.write(self.style.SUCCESS(f"演示地址 / Demo: http://{address}:{port}/"))
        self.stdout.write(f"密码 / Password (all accounts): {settings.RECTIFY_DEMO_PASSWORD}")
        units = dict(
            User.objects.filter(username__in=[u for u, *_ in DEMO_USERS]).values_list(
                "username", "org_unit__name"
            )
        )
        self.stdout.write("  " + pad("用户名 username", 18) + pad("角色 role", 40) + "单位 unit")
        for username, role, _name, _unit in DEMO_USERS:
            with translation.override("en"):
                label = f"{ROLE_NAMES[role]} {Role(role).label}"
            self.stdout.write(
                "  " + pad(username, 18) + pad(label, 40) + (units.get(username) or "")
            )
        self.stdout.write("")
        # Reminders and e-mail (to var/mail without EMAIL_HOST): the worker runs the step and
        # enqueues the next (REMIND_INTERVAL); a step already waiting is not doubled.
        start_schedule()
        self.stdout.write(
            f"提醒邮件 / Reminder mail: {settings.EMAIL_HOST or settings.EMAIL_FILE_PATH}"
        )
        serve_beside_worker(
            lambda: call_command(
                "runserver",
                f"{address}:{port}",
                use_reloader=False,
                use_threading=True,
                use_ipv6=ipv6,
            ),
            WORKER,
            announce=lambda pid: self.stdout.write(f"后台任务进程 / Background worker: pid {pid}"),
        )


# The background worker (large imports, regrouping) the demo runs beside its web server; in
# production it is a service of its own (docs/deploy.md).
WORKER = [sys.executable, "-m", "rectify.cli", "db_worker", "--no-reload", "--verbosity", "0"]


def serve_beside_worker(serve, worker_argv: list[str], *, announce=lambda pid: None) -> None:
    """Run `serve()` with a worker process that stops with it, however it stops.

    Ctrl-C reaches both (one process group); SIGTERM or SIGHUP to the server stops the worker
    too; and if the server is killed outright, Linux stops the worker (PR_SET_PDEATHSIG).
    """
    worker = subprocess.Popen(worker_argv, preexec_fn=_die_with_parent)
    announce(worker.pid)

    def stop(signum, frame):
        raise SystemExit(128 + signum)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        serve()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        worker.terminate()
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker.kill()


def _die_with_parent() -> None:
    """In the worker, before it runs: ask Linux to send it SIGTERM when its parent dies."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


PR_SET_PDEATHSIG = 1
