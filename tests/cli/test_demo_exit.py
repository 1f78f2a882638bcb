"""`halosync demo`'s exit code: 0 only when every step ended as the demo shows it."""

from __future__ import annotations

from halosync.commands.demo import demo_exit_code
from halosync.errors import ExitCode


def test_the_demo_is_ok_when_the_guard_held_the_third_sync_and_all_else_was_ok():
    assert demo_exit_code(ExitCode.OK, ExitCode.OK, ExitCode.HELD, ExitCode.OK, ExitCode.OK) == ExitCode.OK


def test_a_step_that_went_otherwise_is_the_worst_code_and_never_0():
    # the guard not holding the glitch is the demo failing, though every sync "succeeded"
    assert demo_exit_code(ExitCode.OK, ExitCode.OK, ExitCode.OK, ExitCode.OK, ExitCode.OK) == ExitCode.ROWS_FAILED
    assert demo_exit_code(ExitCode.OK, ExitCode.OK, ExitCode.HELD, ExitCode.OK, 3) == ExitCode.HELD
    assert demo_exit_code(ExitCode.OK, 4, ExitCode.HELD, ExitCode.OK, ExitCode.OK) == ExitCode.HELD
    assert demo_exit_code(ExitCode.OK, ExitCode.OK, ExitCode.HELD, 2, ExitCode.OK) == ExitCode.HELD
