"""The CLI's last line of defence: one sentence and exit 1 for a bug, the traceback with --verbose, 130 on Ctrl-C."""

import click
import pytest
from click.testing import CliRunner

from gantk.cli.main import GantkGroup, cli


@pytest.fixture
def broken_cli():
    """A copy of the gantk group with commands that fail the ways a bug or the user's Ctrl-C would."""
    group = GantkGroup(name="gantk", params=cli.params, callback=cli.callback)

    @group.command("crash")
    def crash():
        raise KeyError("weights/0042")

    @group.command("memory")
    def memory():
        raise MemoryError()

    @group.command("interrupt")
    def interrupt():
        raise KeyboardInterrupt

    @group.command("usage")
    def usage():
        raise click.BadParameter("nope", param_hint="--x")

    return group


def invoke(group, *args, env=None):
    return CliRunner().invoke(group, list(args), env=env or {"GANTK_VERBOSE": ""})


def test_an_unexpected_error_is_one_sentence_with_a_hint_and_exit_1(broken_cli):
    result = invoke(broken_cli, "crash")
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert lines == ["Error: gantk stopped on an unexpected error (KeyError: 'weights/0042'); rerun with `gantk --verbose ...` to see the traceback."]
    assert "MemoryError" in invoke(broken_cli, "memory").output and invoke(broken_cli, "memory").exit_code == 1


def test_verbose_keeps_the_traceback(broken_cli):
    result = invoke(broken_cli, "--verbose", "crash")
    assert isinstance(result.exception, KeyError)
    result = invoke(broken_cli, "crash", env={"GANTK_VERBOSE": "1"})
    assert isinstance(result.exception, KeyError)


def test_ctrl_c_is_a_clean_exit_130_and_usage_errors_stay_click_errors(broken_cli):
    result = invoke(broken_cli, "interrupt")
    assert result.exit_code == 130 and "Interrupted." in result.output and "Traceback" not in result.output
    assert invoke(broken_cli, "usage").exit_code == 2


def test_the_real_group_has_the_verbose_flag():
    assert "--verbose" in CliRunner().invoke(cli, ["--help"]).output
