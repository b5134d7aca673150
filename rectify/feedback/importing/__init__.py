"""Importing feedback from .xlsx, .xls and .csv files (导入). The service API for pages, the
API, the CLI (`rectify import`) and the worker (`rectify.feedback.tasks.import_batch`).

See service.py for the flow and docs/data-formats.md for what users are told.
"""

from rectify.feedback.importing.errors import FeedbackImportError, ImportRefused
from rectify.feedback.importing.fields import FIELD_NAMES, FIELDS
from rectify.feedback.importing.report import Duplicate, Report, RowProblem, write_xlsx
from rectify.feedback.importing.service import (
    Preview,
    PreviewRow,
    ProgressInfo,
    Suggestion,
    batch_report,
    create_batch,
    enqueue,
    find_mapping,
    get_mapping,
    prepare,
    preview,
    progress,
    require_runnable,
    run,
    save_mapping,
    suggest,
    undo,
    validate,
)

__all__ = [
    "FIELDS",
    "FIELD_NAMES",
    "Duplicate",
    "FeedbackImportError",
    "ImportRefused",
    "Preview",
    "PreviewRow",
    "ProgressInfo",
    "Report",
    "RowProblem",
    "Suggestion",
    "batch_report",
    "create_batch",
    "enqueue",
    "find_mapping",
    "get_mapping",
    "prepare",
    "preview",
    "progress",
    "require_runnable",
    "run",
    "save_mapping",
    "suggest",
    "undo",
    "validate",
    "write_xlsx",
]
