"""`halosync init`: write a starter config (0600) with the credentials, then point at the next steps."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from halosync.commands.options import ConfigOption, asking, fail
from halosync.errors import ExitCode
from halosync.formats import console

HEADER = """\
# halosync config, written by `halosync init`. Full reference: docs/configuration.md in the project.
# Next: `halosync check-permissions`, then `halosync map` to map organizations and products.
"""
GUARD_COMMENT = """\
# The guard holds an update that moves a count too far (an outage reading 0 agents, a duplicate-agent
# spike) until a person runs `halosync approve`. These are the recommended limits; remove [guard] to
# write every change unattended.
"""
REHEARSAL_LOG_COMMENT = """\
# A rehearsal against the sandbox (a loopback address above) keeps its own results log, beside this
# file: sharing the default log with the real config would make the real run "Not due" this month and
# judge the sandbox's held changes against the real HaloPSA.
"""

# Each answer: its key, the question on a terminal, and the HALOSYNC_* variable that may hold it instead.
QUESTIONS = (
    ("huntress_key", "Huntress API key (<your subdomain>.huntress.io > API Credentials)", "HALOSYNC_HUNTRESS_API_KEY"),
    ("huntress_secret", "Huntress API secret", "HALOSYNC_HUNTRESS_API_SECRET"),
    ("halo_url", "HaloPSA address (https://yourcompany.halopsa.com)", None),
    ("halo_client_id", "HaloPSA client id (Configuration > Integrations > HaloPSA API > Applications)",
     "HALOSYNC_HALO_CLIENT_ID"),
    ("halo_client_secret", "HaloPSA client secret", "HALOSYNC_HALO_CLIENT_SECRET"),
)


def command(
    config: ConfigOption = None,
    huntress_key: Annotated[str | None, typer.Option("--huntress-key", help="Huntress API key (or leave it in HALOSYNC_HUNTRESS_API_KEY).")] = None,
    huntress_secret: Annotated[str | None, typer.Option("--huntress-secret", help="Huntress API secret (or leave it "
                                                        "in HALOSYNC_HUNTRESS_API_SECRET).")] = None,
    halo_url: Annotated[str | None, typer.Option("--halo-url", help="Your HaloPSA address, e.g. https://acme.halopsa.com.")] = None,
    halo_client_id: Annotated[str | None, typer.Option("--halo-client-id", help="HaloPSA API application client id "
                                                       "(or leave it in HALOSYNC_HALO_CLIENT_ID).")] = None,
    halo_client_secret: Annotated[str | None, typer.Option("--halo-client-secret", help="HaloPSA API application secret "
                                                           "(or leave it in HALOSYNC_HALO_CLIENT_SECRET).")] = None,
    tenant: Annotated[str | None, typer.Option("--tenant", help="HaloPSA tenant (hosted instances only).")] = None,
    huntress_url: Annotated[str | None, typer.Option("--huntress-url", help="Huntress API address, if not "
                                                     "https://api.huntress.io (a sandbox: its address + /huntress).")] = None,
    log_path: Annotated[Path | None, typer.Option("--log-path", help="Results log for this config (default: the "
                                                  "platform's state dir; beside the config for a sandbox rehearsal).")] = None,
) -> None:
    """Write a starter config with your credentials (asks on a terminal; never overwrites a config).

    A secret set in its HALOSYNC_* environment variable (or HALOSYNC_*_FILE) stays there: the file
    does not get a copy, and halosync reads it from the environment on every run.

    Against a loopback address (the sandbox) it writes [log] path beside the config, so a rehearsal
    never shares the real results log."""
    from halosync.config import starter
    from halosync.config.paths import config_path

    path = config_path(config)
    _refuse_before_asking(path, halo_url=halo_url, huntress_url=huntress_url, log_path=log_path)
    on_terminal = sys.stdin.isatty()
    answers, from_environment = _answers({"huntress_key": huntress_key, "huntress_secret": huntress_secret,
                                          "halo_url": halo_url, "halo_client_id": halo_client_id,
                                          "halo_client_secret": halo_client_secret}, on_terminal=on_terminal)
    if tenant is None and on_terminal:
        with asking("nothing was written"):
            tenant = typer.prompt("HaloPSA tenant (hosted instances; Enter if none)", default="",
                                  show_default=False).strip() or None
    missing = starter.missing_options(answers, from_environment)
    if missing:
        fail(f"init needs {', '.join(missing)} (on a terminal it asks for them; from a script, leave each secret in "
             "its HALOSYNC_* environment variable or a HALOSYNC_*_FILE rather than on the command line, where shell "
             "history and ps can see it)", ExitCode.CONFIG)
    log = starter.log_path(path, log_path, answers["halo_url"], huntress_url)
    data = starter.config_data(answers, left_in_environment=from_environment, huntress_url=huntress_url,
                               tenant=tenant, log=log)
    _check(path, data)
    own_log = log if log is not None and log_path is None else None  # chosen for a rehearsal, not by --log-path
    _write(path, data, log_comment=REHEARSAL_LOG_COMMENT if own_log is not None else "")
    _say_written(path, config, list(from_environment.values()), own_log)


def _refuse_before_asking(path: Path, *, halo_url: str | None, huntress_url: str | None, log_path: Path | None) -> None:
    """What makes init fail whatever is typed, refused before any secret is asked: typing them all, then
    losing them, hurts."""
    if path.exists():
        fail(f"{path} already exists; init never overwrites a config. Edit it, or pass --config PATH for a new file", ExitCode.USAGE)
    for option, url, problem in (("--halo-url ([halo] url)", halo_url, halo_url_problem),
                                 ("--huntress-url ([huntress] base_url)", huntress_url, huntress_url_problem)):
        if url is not None and (reason := problem(url.strip())):
            fail(f"{option} {reason}; nothing was written", ExitCode.USAGE)
    if log_path is not None and str(log_path) == ".":  # typer turns --log-path '' into "."
        fail("--log-path is empty (or the current folder); give the results log's file name, such as "
             "results.jsonl; nothing was written", ExitCode.USAGE)
    if log_path is not None and os.path.realpath(log_path.expanduser()) == os.path.realpath(path):
        fail(f"--log-path {log_path} is the config file itself (--config); the results log must be a file of its "
             "own, such as results.jsonl; nothing was written", ExitCode.USAGE)
    if log_path is not None and log_path.expanduser().is_dir():
        fail(f"--log-path {log_path} is a folder; give the results log's file name, such as "
             f"{log_path / 'results.jsonl'}; nothing was written", ExitCode.USAGE)


def _answers(given: dict[str, str | None], *, on_terminal: bool) -> tuple[dict[str, str | None], dict[str, str]]:
    """Each answer from its option, else left in its environment variable, else asked on a terminal; with the
    variables left in the environment (answer key -> variable), in the order asked."""
    from halosync.config.starter import environment_variable

    answers: dict[str, str | None] = {}
    from_environment: dict[str, str] = {}
    # Secrets are better typed at the prompt (or set in the environment) than passed as options: ps shows options.
    for key, question, env in QUESTIONS:
        value = given[key]
        if value is None and (variable := environment_variable(env, os.environ)):
            from_environment[key] = variable
            answers[key] = None  # present, but never written: load_config reads it from the environment each run
            continue
        if value is None and on_terminal:
            value = _ask(question, secret=env is not None, problem=halo_url_problem if key == "halo_url" else None)
        answers[key] = value.strip() if value else None
    return answers, from_environment


def _say_written(path: Path, config: Path | None, from_environment: list[str], own_log: Path | None) -> None:
    them = "them" if len(from_environment) > 1 else "it"
    kept = (f"\nLeft in the environment, not written to the file: {', '.join(from_environment)} (set {them} for "
            "every run, cron's too)." if from_environment else "")
    own = (f"\nResults log: {own_log} (a rehearsal against a loopback address keeps its own, never the real one's)."
           if own_log is not None else "")
    console.say_wrapped(f"Wrote {path} (readable by you only).{kept}{own}\n"
                f"Next: halosync check-permissions{_config_flag(config)} proves the credentials and permissions; "
                f"halosync map{_config_flag(config)} maps organizations to clients and products to items.")


def _ask(question: str, *, secret: bool, problem: Callable[[str], str | None] | None) -> str | None:
    """One answer; a URL is checked as soon as it is typed and asked again with the reason."""
    while True:
        with asking("nothing was written"):
            value = typer.prompt(question, hide_input=secret).strip() or None
        reason = problem(value) if problem is not None and value is not None else None
        if reason is None:
            return value
        console.warn(f"That address {reason}. Try again.")


def halo_url_problem(url: str) -> str | None:
    """Why `url` cannot be [halo] url (the config's own rule), or None."""
    return _url_problem("HaloConfig", url)


def huntress_url_problem(url: str) -> str | None:
    return _url_problem("HuntressConfig", url)


def _url_problem(model: str, url: str) -> str | None:
    from pydantic import ValidationError

    from halosync.config import schema

    field = "url" if model == "HaloConfig" else "base_url"
    try:
        getattr(schema, model).model_validate({field: url})
    except ValidationError as exc:
        for error in exc.errors():
            if error["loc"] == (field,):
                return str(error["msg"]).removeprefix("Value error, ")
    return None


def _config_flag(config: Path | None) -> str:
    return f" --config {config}" if config is not None else ""


def _check(path: Path, data: dict[str, Any]) -> None:
    """Validate before writing: a starter config that does not load would only move the error."""
    from pydantic import ValidationError

    from halosync.config.messages import describe
    from halosync.config.schema import Config

    try:
        Config.model_validate(data)
    except ValidationError as exc:
        fail(describe(path, exc).replace("config file", "the config init would write to", 1) + "; nothing was written", ExitCode.CONFIG)


def _write(path: Path, data: dict[str, Any], *, log_comment: str = "") -> None:
    import tomli_w

    guard = data.pop("guard")
    log = data.pop("log", None)
    log_text = "" if log is None else "\n" + log_comment + tomli_w.dumps({"log": log})
    text = (HEADER + "\n" + tomli_w.dumps(data) + "\n" + GUARD_COMMENT + tomli_w.dumps({"guard": guard}) + log_text
            + "\n[products]  # halosync map fills this in\n")
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # O_EXCL: never over an existing file
    except FileExistsError:
        fail(f"{path} already exists; init never overwrites a config", ExitCode.USAGE)
    except OSError as exc:
        fail(f"could not write {path} ({exc.strerror or exc}); nothing was written", ExitCode.CONFIG)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
    except OSError as exc:
        path.unlink(missing_ok=True)  # half a config would block the next init and load as nothing useful
        fail(f"could not write {path} ({exc.strerror or exc}); nothing was written", ExitCode.CONFIG)
