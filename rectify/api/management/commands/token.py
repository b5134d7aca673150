"""`rectify token create|list|revoke`: personal API tokens from the command line.

    rectify token create USERNAME [--scope read|write] [--days N] [--name NAME]
    rectify token list USERNAME
    rectify token revoke ID

`create` prints the token alone on standard output (so `TOKEN=$(rectify token create bob)`
works) and, on standard error, that it will not be shown again: only its hash is stored.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from rectify.api import tokens
from rectify.api.models import ApiToken, TokenScope
from rectify.orgs.access import SYSTEM
from rectify.orgs.models import User

MAX_DAYS = 3650


def token_status(token: ApiToken, now=None) -> str:
    now = now or timezone.now()
    if token.revoked_at is not None:
        return _("Revoked")
    if token.expires_at is not None and token.expires_at <= now:
        return _("Expired")
    return _("Active")


class Command(BaseCommand):
    help = (
        "Create, list and revoke personal API tokens. "
        "创建、列出、吊销个人 API 令牌。 "
        "create USERNAME [--scope read|write] [--days N] [--name NAME] | list USERNAME | revoke ID"
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a token and print it once")
        create.add_argument("username")
        create.add_argument("--scope", choices=TokenScope.values, default=TokenScope.READ)
        create.add_argument("--days", type=int, help=f"expire after N days (1–{MAX_DAYS})")
        create.add_argument("--name", default="", help="what the token is for (default: cli)")
        listing = sub.add_parser("list", help="list a user's tokens")
        listing.add_argument("username")
        revoke = sub.add_parser("revoke", help="revoke a token by its id")
        revoke.add_argument("id", type=int)

    def handle(self, *args, action, **options):
        return getattr(self, f"handle_{action}")(**options)

    def _user(self, username: str) -> User:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(_("There is no user “%(username)s”.") % {"username": username})
        return user

    def handle_create(self, *, username, scope, days, name, **options):
        user = self._user(username)
        if days is not None and not 1 <= days <= MAX_DAYS:
            raise CommandError(
                _("--days must be between 1 and %(max)d.") % {"max": MAX_DAYS},
            )
        if not user.is_active:
            raise CommandError(
                _("%(username)s is inactive: a token of theirs would be refused.")
                % {"username": user.username}
            )
        if "\x00" in name:
            raise CommandError(_("The name must not contain the NUL character."))
        name = (name or "cli").strip()[:100] or "cli"
        token, plaintext = tokens.issue(user, name=name, scope=scope, days=days)
        self.stdout.write(plaintext)
        self.stderr.write(
            _("Token %(id)d (%(scope)s) for %(username)s: copy it now, it will not be shown again.")
            % {"id": token.pk, "scope": token.get_scope_display(), "username": user.username}
        )

    def handle_list(self, *, username, **options):
        user = self._user(username)
        now = timezone.now()
        rows = [
            (
                str(t.pk),
                t.name,
                f"{t.prefix}…",
                t.scope,
                _when(t.created_at),
                _when(t.expires_at),
                _when(t.last_used_at),
                token_status(t, now),
            )
            for t in user.api_tokens.order_by("-created_at", "-id")
        ]
        if not rows:
            self.stdout.write(_("%(username)s has no tokens.") % {"username": user.username})
            return
        header = ("id", "name", "prefix", "scope", "created", "expires", "last used", "status")
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
        for row in [header, *rows]:
            self.stdout.write(
                "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip()
            )

    def handle_revoke(self, *, id, **options):
        token = ApiToken.objects.select_related("user").filter(pk=id).first()
        if token is None:
            raise CommandError(_("There is no token with id %(id)d.") % {"id": id})
        if token.revoked_at is not None:
            self.stdout.write(_("Token %(id)d was already revoked.") % {"id": id})
            return
        tokens.revoke(token, actor=SYSTEM)
        self.stdout.write(
            _("Token %(id)d of %(username)s is revoked.")
            % {"id": id, "username": token.user.username}
        )


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "-"
