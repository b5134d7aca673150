"""The ledger as a spreadsheet (整改台账.xlsx), both ways.

- layout.py: the file format — sheets, columns, the 完成情况 words, the key cell that lets a
  re-import find each row again, the cell values of a measure. Headers and words are fixed
  Chinese (docs/ledger-sheets.md), part of the format and not of the interface, so a file
  exported in English imports anywhere.
- export.py: writes a campaign's or a unit's ledger (three sheets), streamed, constant memory.
- reimport.py: reads an edited export back: match rows by key, diff field by field, check every
  row, apply the accepted changes through ledger.services.
- migration.py: moves an existing Excel ledger in (column mapping, unit matching, state words).

Uploaded files are kept as SheetImport rows, so the preview and the applying read the same bytes.
"""
