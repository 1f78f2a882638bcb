"""The command line: creates the Typer app and registers the commands."""

from __future__ import annotations

import os
import sys
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from halosync import __version__
from halosync.commands import approve, audit, check_permissions, demo, history, init, map, report, run, sandbox
from halosync.commands.options import ConfigOption
from halosync.config.paths import CONFIG_ENV
from halosync.errors import ExitCode

try:  # Typer 0.29 carries its own copy of click, whose usage errors are not click's
    from typer._click.exceptions import UsageError as _UsageError
except ImportError:  # pragma: no cover - older Typer uses click itself
    from click import UsageError as _UsageError  # type: ignore[assignment]


class _Commands(TyperGroup):
    """The command group, with one addition: a usage error of a command given --json is its JSON error
    document (exit 2), so that a script never parses click's text or an empty stdout."""

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        name, command, rest = super().resolve_command(ctx, args)
        if command is not None and any(a in ("--help", "-h") for a in rest):
            _name_default_config(command)
        return name, command, rest

    def format_help(self, ctx: Any, formatter: Any) -> None:
        _name_default_config(self)
        super().format_help(ctx, formatter)

    def invoke(self, ctx: Any) -> Any:
        args = [*getattr(ctx, "_protected_args", []), *ctx.args]  # the command's name, then its arguments
        try:
            return super().invoke(ctx)
        except _UsageError as exc:
            command = self.get_command(ctx, args[0]) if args else None
            takes_json = command is not None and any(p.name == "json_output" for p in command.params)
            if not (takes_json and "--json" in args[1:]):
                raise
            from halosync.formats import console
            from halosync.formats.json_output import error_document

            message = exc.format_message() + (f" (see: halosync {args[0]} --help)" if args else "")
            console.say(error_document(message, ExitCode.CONFIG))
            console.error(message)
            raise typer.Exit(ExitCode.CONFIG) from None


def _name_default_config(command: Any) -> None:
    """--config's help names the default path on this machine, computed only when help is shown."""
    from halosync.commands.options import DEFAULT_CONFIG_HELP
    from halosync.config.paths import default_config_path

    for param in command.params:
        template = getattr(param, "help_template", None) or param.help  # kept, so a second help is rendered afresh
        if param.name == "config" and template and DEFAULT_CONFIG_HELP in template:
            param.help_template = template
            param.help = template.replace(DEFAULT_CONFIG_HELP, str(default_config_path()))


app = typer.Typer(
    name="halosync",
    cls=_Commands,
    help="Bill customers for exactly what Huntress bills you: sync Huntress counts into HaloPSA Software Licences.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: rich's help renderer alone costs ~150 ms of start-up
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"halosync {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    config: ConfigOption = None,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")] = False,
) -> None:
    """halosync: Huntress -> HaloPSA billing sync."""
    if config is not None and ctx.invoked_subcommand in NO_CONFIG:
        from halosync.commands.options import refuse_config

        refuse_config(ctx.invoked_subcommand, config)
    if config is not None:
        # `halosync --config X run` as well as `halosync run --config X`; a command's own --config wins.
        os.environ[CONFIG_ENV] = str(config)


NO_CONFIG = ("demo", "sandbox")  # they run against the sandbox with a config of their own: --config would be ignored

app.command("init")(init.command)
app.command("run")(run.command)
app.command("check-permissions")(check_permissions.command)
app.command("map")(map.command)
app.command("history")(history.command)
app.command("approve")(approve.command)
app.command("audit")(audit.command)
app.command("report")(report.command)
app.command("demo")(demo.command)
app.command("sandbox")(sandbox.command)


def main() -> None:
    # halosync uses no pydantic plugins; looking for them reads every installed package's metadata (~30 ms).
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    from halosync.run import interrupt

    interrupt.FOR_GOOD = True  # this process ends with the command: a late signal must not override its exit code
    interrupt.ignore_at_exit()
    if (notify := sys.modules.get("halosync.run.notify")) is not None:
        notify.LEFT_BEHIND.clear()  # only this command's notifications count (tests call main() in-process)
    try:
        try:
            app()
        except SystemExit as stop:
            if interrupt.asked_twice is not None:
                from halosync import writes_so_far

                _error(f"interrupted twice: stopped at once. {writes_so_far.last_words()}")
                if stop.code != ExitCode.LOG_UNWRITABLE:  # 74 outranks it: records not in the log must be noticed
                    stop.code = interrupt.exit_code(interrupt.asked_twice)
            _exit_now_if_something_was_left_behind(stop.code)
            raise
    except KeyboardInterrupt as stop:  # outside a sync, or a second signal (a sync records its own interruption)
        from halosync import writes_so_far

        _error(f"interrupted. {writes_so_far.last_words()}")
        sys.exit(interrupt.exit_code(stop.signum) if isinstance(stop, interrupt.StopNow) else ExitCode.SIGINT)
    except Exception as exc:  # a bug: say so without a traceback, which could carry request details
        from halosync import writes_so_far

        where = exc.__traceback__
        while where is not None and where.tb_next is not None:
            where = where.tb_next
        place = f" at {where.tb_frame.f_code.co_filename.rsplit('/', 1)[-1]}:{where.tb_lineno}" if where else ""
        _error(f"internal error (a bug): {type(exc).__name__}{place}. {writes_so_far.last_words()} "
               "Please report it with the command you ran.")
        sys.exit(ExitCode.INTERNAL)
    finally:
        interrupt.FOR_GOOD = False  # for a caller that goes on (tests call main() in-process)


def _error(message: str) -> None:
    """The entry point's last word, wrapped at stderr's width like every other message (80 in cron mail)."""
    from halosync.formats import console

    try:
        console.error(message)
    except (OSError, ValueError, AttributeError):  # stderr closed or full: the exit code still says how it ended
        pass


def _exit_now_if_something_was_left_behind(code: object) -> None:
    """The command is done (its records written, its lock released), but a thread Python would join at exit is
    still waiting: a notification past its [notify] timeout, or, once a signal stopped the command, a request
    it left in flight (a read, or a write whose unknown outcome is on record). End the process now, with the
    command's exit code."""
    import threading

    from halosync.run import interrupt

    notify = sys.modules.get("halosync.run.notify")
    left_notification = notify is not None and notify.LEFT_BEHIND.is_set()
    stopped = interrupt.asked_twice is not None or interrupt.raised_into_running_code
    left_write = stopped and any(
        thread is not threading.main_thread() and not thread.daemon and thread.is_alive()
        for thread in threading.enumerate())
    if not (left_notification or left_write):
        return
    interrupt.flush_quietly()
    os._exit(code if isinstance(code, int) else (0 if code is None else 1))
