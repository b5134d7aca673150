"""`rectify ledger export|import|migrate`: the ledger spreadsheet round trip from the console.

- export  --campaign SLUG [--unit CODE] [--user NAME] -o FILE.xlsx
- import  FILE --campaign SLUG [--user NAME] [--apply]: the diff of an edited export; last line
  `N changes`
- migrate FILE --campaign SLUG …: move an existing Excel ledger in

Each subcommand lives in its own module beside this package (ledger_export, ledger_import,
ledger_migrate) with `add_arguments(parser)` and `run(command, opts)`.
"""

from django.core.management.base import BaseCommand, CommandError

from rectify.ledger.management import ledger_export, ledger_import, ledger_migrate

SUBCOMMANDS = {
    "export": ledger_export,
    "import": ledger_import,
    "migrate": ledger_migrate,
}


class Command(BaseCommand):
    help = "The ledger spreadsheet (整改台账): export, re-import with a diff, move one in."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        for name, module in SUBCOMMANDS.items():
            sp = sub.add_parser(name, help=(module.__doc__ or "").strip().splitlines()[0])
            module.add_arguments(sp)

    def handle(self, *args, **opts):
        name = opts["subcommand"]
        if name not in SUBCOMMANDS:
            raise CommandError(f"unknown subcommand {name}")
        SUBCOMMANDS[name].run(self, opts)
