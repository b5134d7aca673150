"""The demo campaign behind `rectify demo`: data in data.py, construction in builder.py."""

from rectify.core.demo.builder import build_demo, demo_usernames

__all__ = ["build_demo", "demo_usernames"]
