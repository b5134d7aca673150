"""The demo campaign behind `rectify demo`: data in data.py, construction in builder.py."""
