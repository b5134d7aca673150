"""Spreadsheets as users see them in Excel, for every app that reads or writes them (the
feedback importer, the ledger's sheets, `rectify cluster`): reader.py opens .xlsx, .xls, .ods
and .csv files, errors.py and messages.py say what went wrong or how a file was read,
writing.py keeps written cells from running as formulas."""
