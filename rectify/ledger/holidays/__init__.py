"""The official holiday calendar: the office enters each year's holidays and make-up workdays
from the State Council's notice (CalendarDay, in core; rectify/core/workdays.py counts with
them).

- notice.py   reads the notice, and the one-day-a-line list the office corrects (no Django)
- messages.py words what could not be read
- scoping.py  who may enter the calendar (staff and every campaign's office)
- years.py    what the pages and the API show of a year: its days, where they come from
- services.py replaces a year's days, with the activity log
- views.py, forms.py, urls.py: /calendar/ (everyone signed in reads it) and
  /calendar/<year>/edit/ (paste the notice → preview → save)
"""
