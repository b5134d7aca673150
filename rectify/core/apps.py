from pathlib import Path

from django.apps import AppConfig
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "rectify.core"
    label = "core"
    verbose_name = _("Settings")

    def ready(self):
        """Start the idle-session clock at each login; make the embedded SQLite database's
        folder (var/ by default) on first start.

        Here and not when settings are imported: a host on PostgreSQL never needs the folder, and
        importing settings (a check, a tool) should change nothing on disk.
        """
        from rectify.core.security import stamp_login

        user_logged_in.connect(stamp_login, dispatch_uid="rectify-idle-clock")
        database = settings.DATABASES["default"]
        name = str(database.get("NAME") or "")
        if database["ENGINE"] == "django.db.backends.sqlite3" and name and ":memory:" not in name:
            Path(name).parent.mkdir(parents=True, exist_ok=True)
