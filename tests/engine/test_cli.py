"""The command line reads like a well-kept one: help, examples and exit statuses for every
command, help for every option, no abbreviations, --version, one error style."""

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

from harness import __version__
from harness.cli import COMMANDS, build_parser

REPO = Path(__file__).resolve().parents[2]


def harness(*args):
    return subprocess.run([sys.executable, "-m", "harness", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=120, check=False)


def test_version():
    result = harness("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"harness {__version__}"


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_has_a_description_examples_and_exit_statuses(command):
    result = harness(command, "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"usage: harness {command} ")
    assert "\nexamples:\n  harness " in result.stdout
    assert "\nexit status: 0 " in result.stdout
    assert COMMANDS[command].description.split()[0] in result.stdout


def test_every_option_has_help_and_no_parser_takes_abbreviations():
    parser = build_parser()
    assert parser.allow_abbrev is False
    for name, sub in parser.commands.items():
        assert sub.allow_abbrev is False, name
        for action in sub._actions:
            if not isinstance(action, argparse._HelpAction):
                assert action.help, f"harness {name}: {action.option_strings or action.dest}"


def test_an_abbreviated_option_is_refused_in_the_one_error_style():
    result = harness("run", "--backend", "numpy")
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == (
        "harness run: error: unrecognized arguments: --backend numpy")


def test_usage_errors_of_the_harness_and_of_argparse_look_alike():
    ours = harness("envs", "--create", "tourch")
    theirs = harness("envs", "--bogus")
    assert ours.returncode == theirs.returncode == 2
    assert ours.stderr.splitlines()[-1].startswith("harness envs: error: ")
    assert "unknown environment(s) tourch" in ours.stderr
    assert theirs.stderr.splitlines()[-1].startswith("harness envs: error: unrecognized")


@pytest.mark.parametrize("alias", ["pytorch", "tf", "PyTorch"])
def test_envs_accepts_backend_aliases(alias):
    result = harness("envs", "--key", alias)
    assert result.returncode == 0, result.stderr
    canonical = {"pytorch": "torch", "tf": "tensorflow"}[alias.lower()]
    assert result.stdout == harness("envs", "--key", canonical).stdout
