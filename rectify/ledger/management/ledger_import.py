"""(to be written: the import subcommand)."""

from django.core.management.base import CommandError

from rectify.ledger.management.common import add_common


def add_arguments(parser) -> None:
    add_common(parser)


def run(command, opts) -> None:
    raise CommandError("not built yet")
