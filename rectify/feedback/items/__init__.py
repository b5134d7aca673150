"""Feedback items: recording them (services.py, entry.py for many at once), the intake flag
"close to problem N" (closeness.py), the standard-layout export (exporting.py), and their pages
(views, forms, filters, urls)."""
