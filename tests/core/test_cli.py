import subprocess
import sys
from pathlib import Path

RECTIFY = Path(sys.executable).parent / "rectify"


def test_the_rectify_command_wraps_the_management_commands():
    out = subprocess.run([RECTIFY, "help"], capture_output=True, text=True, check=True).stdout
    assert "migrate" in out
    assert "demo" in out


def test_it_passes_arguments_and_exit_codes_through():
    result = subprocess.run([RECTIFY, "no-such-command"], capture_output=True, text=True)
    assert result.returncode != 0
    assert "no-such-command" in result.stderr
