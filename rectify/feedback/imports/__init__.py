"""Importing feedback from .xlsx, .xls and .csv files (导入), for the pages, the API, the CLI
(`rectify import`) and the background worker. docs/data-formats.md says what users are told.

The flow (each step in its module):

    with reader.read(upload, filename=name) as wb:          # core/spreadsheets: unreadable file
        sheet = wb.sheet(None)                              # first visible sheet
        shown = plans.preview(campaign, sheet)              # suggested columns, first rows parsed
    batch = batches.create_batch(campaign, upload, actor=user, filename=name,
                                 columns=..., defaults={"kind": "problem"})
    running.enqueue(batch)        # the worker runs running.run(batch); or call run() here
    running.progress(batch)       # for a progress bar
    report.batch_report(batch)    # counts, refused cells, rows already present, notes
    batches.undo(batch, actor=user)   # while nothing from it is merged into a problem

Refusals are errors.ImportRefused, built on core's SpreadsheetError like the reader's own.
"""
