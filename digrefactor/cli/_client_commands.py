"""``push``, ``pull``, ``start``, ``status`` and ``logs``: the REST client on the command line.

Exit codes: 0 success, 1 the server reported a problem with the work (attempt failed or was
killed, archive rejected), 2 usage or connection error. Errors are one line on stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from digrefactor._errors import DigError
from digrefactor.client import (
    DEFAULT_ENDPOINT,
    Attempt,
    BadRequest,
    Conflict,
    DigdagAPIError,
    DigdagClient,
    DigdagClientError,
    DigdagConnectionError,
    NotFound,
    WaitTimeout,
)
from digrefactor.files import workflow_file_names
from digrefactor.models import Workflow, WorkflowProject
from digrefactor.parse import projects_below_message

EXIT_OK = 0
EXIT_PROBLEM = 1
EXIT_USAGE = 2

Handler = Callable[[argparse.Namespace], int]


class _UsageError(Exception):
    """A bad option value detected after parsing (e.g. a malformed ``-H``)."""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``push``, ``pull``, ``start``, ``status`` and ``logs`` subcommands."""
    push = subparsers.add_parser(
        "push",
        help="upload a project (a directory, or a Python module defining it) as a new revision",
        description=(
            "'push NAME [--project DIR]': archive a project directory (honouring "
            ".digdagignore) and upload it as NAME, like 'digdag push'. 'push MODULE.py "
            "[--project NAME]': run a Python module or package (e.g. made by 'digrefactor "
            "convert') and upload the project it defines — its workflows, the files they "
            "include and the files of its files_dir — as NAME (default: the project's name)."
        ),
    )
    push.add_argument(
        "project",
        metavar="NAME|MODULE",
        help="project name on the server, or a Python module (.py) or package defining `project`",
    )
    push.add_argument(
        "--project",
        dest="project_option",
        default=None,
        help="with NAME: the project directory (default: current directory), as in "
        "'digdag push'; with MODULE: the project name on the server (default: the name the "
        "module gives it)",
    )
    push.add_argument(
        "--project-dir",
        dest="project_dir",
        metavar="DIR",
        default=None,
        help="with NAME only: the project directory",
    )
    push.add_argument("-r", "--revision", help="revision name (default: a random UUID)")
    push.add_argument(
        "--schedule-from",
        help="start schedules from this instant (ISO 8601, e.g. 2024-01-01T00:00:00Z)",
    )
    push.add_argument(
        "--copy-outgoing-symlinks",
        action="store_true",
        help="archive the content of symlinks that point outside the project",
    )
    _add_connection_options(push)
    push.set_defaults(func=_guarded(_push))

    pull = subparsers.add_parser(
        "pull", help="download a project and extract it", description="Download a project."
    )
    pull.add_argument("project", help="project name (or numeric id)")
    pull.add_argument("out_dir", type=Path, help="directory to extract into")
    pull.add_argument("-r", "--revision", help="revision (default: latest)")
    _add_connection_options(pull)
    pull.set_defaults(func=_guarded(_pull))

    start = subparsers.add_parser(
        "start", help="start a workflow", description="Start a workflow of a pushed project."
    )
    start.add_argument("project", help="project name")
    start.add_argument("workflow", help="workflow name")
    start.add_argument(
        "--session",
        default="now",
        help='session time: now, hourly, daily, "yyyy-MM-dd", "yyyy-MM-dd HH:mm:ss" '
        "(local to the workflow's time zone) or an ISO instant (default: now)",
    )
    start.add_argument(
        "-p",
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a session parameter (a.b=c nests); repeatable",
    )
    start.add_argument("--revision", help="revision to run (default: latest)")
    start.add_argument("--retry", metavar="NAME", help="retry attempt name")
    start.add_argument(
        "--wait", action="store_true", help="wait for the attempt; exit 1 if it fails"
    )
    start.add_argument("--timeout", type=float, help="seconds to wait at most (with --wait)")
    _add_connection_options(start)
    start.set_defaults(func=_guarded(_start))

    status = subparsers.add_parser(
        "status",
        help="show an attempt and its tasks",
        description="Show an attempt's status; exit 1 when it failed or was killed.",
    )
    status.add_argument("attempt", type=int, help="attempt id")
    status.add_argument("--json", action="store_true", help="print the attempt as JSON")
    _add_connection_options(status)
    status.set_defaults(func=_guarded(_status))

    logs = subparsers.add_parser(
        "logs", help="print an attempt's log", description="Print the full log of an attempt."
    )
    logs.add_argument("attempt", type=int, help="attempt id")
    logs.add_argument("--task", help="only tasks whose name starts with this (e.g. +wf+step)")
    _add_connection_options(logs)
    logs.set_defaults(func=_guarded(_logs))


def _add_connection_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("server")
    group.add_argument(
        "-e",
        "--endpoint",
        default=os.environ.get("DIGDAG_ENDPOINT", DEFAULT_ENDPOINT),
        help="server URL (default: $DIGDAG_ENDPOINT or %(default)s)",
    )
    group.add_argument("--basic-auth", metavar="USER:PASS", help="HTTP basic authentication")
    group.add_argument(
        "-H",
        "--header",
        action="append",
        default=[],
        metavar="'NAME: VALUE'",
        help="extra request header, repeatable (e.g. 'Authorization: TD1 <apikey>')",
    )


def _client(args: argparse.Namespace) -> DigdagClient:
    headers: dict[str, str] = {}
    for raw in args.header:
        # `digdag` itself takes K=V; accept both spellings.
        separator = ":" if ":" in raw else "="
        name, found, value = raw.partition(separator)
        if not found or not name.strip():
            raise _UsageError(f"-H expects 'Name: value', got {raw.split(separator)[0]!r}...")
        headers[name.strip()] = value.strip()
    auth: tuple[str, str] | None = None
    if args.basic_auth is not None:
        user, found, password = args.basic_auth.partition(":")
        if not found:
            raise _UsageError("--basic-auth expects USER:PASS")
        auth = (user, password)
    try:
        return DigdagClient(args.endpoint, auth=auth, headers=headers)
    except ValueError as exc:
        raise _UsageError(str(exc)) from None


def _guarded(handler: Handler) -> Handler:
    """Turn client errors into one stderr line and an exit code."""

    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except (_UsageError, DigdagConnectionError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_USAGE
        except (NotFound, BadRequest, Conflict, WaitTimeout) as exc:
            print(f"error: {_one_line(exc)}", file=sys.stderr)
            return EXIT_PROBLEM
        except DigdagAPIError as exc:
            # 401/403/5xx: the command could not be carried out, not a finding about the work.
            print(f"error: {_one_line(exc)}", file=sys.stderr)
            return EXIT_USAGE
        except DigdagClientError as exc:
            print(f"error: {_one_line(exc)}", file=sys.stderr)
            return EXIT_PROBLEM
        except DigError as exc:  # the module to push failed, or its files do not add up
            print(str(exc), file=sys.stderr)
            return EXIT_PROBLEM
        except OSError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_USAGE

    return run


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def _push_source(args: argparse.Namespace) -> tuple[Path | Workflow | WorkflowProject, str]:
    """What to push and under which name: a module's project, or a project directory."""
    from digrefactor.convert import load_python, module_file

    given = Path(args.project)
    if module_file(given) is not None or (given.suffix == ".py" and not given.exists()):
        if not given.exists():
            raise _UsageError(f"{given}: no such file or directory")
        if args.project_dir is not None:
            raise _UsageError(
                "--project-dir goes with a project NAME; to name the project a module defines "
                "on the server, use --project NAME"
            )
        model = load_python(given)
        return model, args.project_option or model.name
    if args.project_option is not None and args.project_dir is not None:
        raise _UsageError("give the project directory once: --project DIR or --project-dir DIR")
    directory = Path(args.project_dir or args.project_option or ".")
    if not directory.is_dir():
        raise _UsageError(f"{directory}: not a directory")
    if not workflow_file_names(directory):
        raise _UsageError(f"{directory}: {projects_below_message(directory)}")
    return directory, args.project


def _push(args: argparse.Namespace) -> int:
    source, name = _push_source(args)
    with _client(args) as client:
        project = client.push(
            source,
            name,
            revision=args.revision,
            schedule_from=args.schedule_from,
            copy_outgoing_symlinks=args.copy_outgoing_symlinks,
        )
        workflows = client.project_workflows(project)
    print(f"Uploaded project {project.name} (id {project.id}), revision {project.revision}")
    for workflow in workflows:
        print(f"  {workflow.name}")
    return EXIT_OK


def _pull(args: argparse.Namespace) -> int:
    with _client(args) as client:
        project: int | str = int(args.project) if args.project.isdigit() else args.project
        written = client.pull(project, args.out_dir, revision=args.revision)
    print(f"Extracted {len(written)} files into {args.out_dir}")
    return EXIT_OK


def _parse_params(pairs: list[str]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for pair in pairs:
        key, found, value = pair.partition("=")
        if not found or not key:
            raise _UsageError(f"-p expects KEY=VALUE, got {pair!r}")
        # Dots make nested keys, as in `digdag start -p a.b=c`.
        target = params
        *parents, leaf = key.split(".")
        for parent in parents:
            child = target.setdefault(parent, {})
            if not isinstance(child, dict):
                raise _UsageError(f"-p {key}: {parent} is already a value")
            target = child
        target[leaf] = value
    return params


def _session_argument(text: str) -> str | datetime:
    if text in ("now", "hourly", "daily"):
        return text
    for layout in ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"):
        try:
            return datetime.strptime(text, layout)
        except ValueError:
            continue
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise _UsageError(
            f"--session {text!r}: expected now, hourly, daily, yyyy-MM-dd, "
            "'yyyy-MM-dd HH:mm:ss' or an ISO instant"
        ) from None
    return parsed


def _start(args: argparse.Namespace) -> int:
    params = _parse_params(args.param)
    session = _session_argument(args.session)
    with _client(args) as client:
        attempt = client.start(
            args.project,
            args.workflow,
            session=session,
            params=params,
            revision=args.revision,
            retry_attempt_name=args.retry,
        )
        print(
            f"Started attempt {attempt.id} of {attempt.project.name}/{attempt.workflow.name} "
            f"(session {attempt.session_time.isoformat()})"
        )
        if not args.wait:
            return EXIT_OK
        finished = client.wait(attempt, timeout=args.timeout)
    print(f"Attempt {finished.id} finished: {finished.state}")
    return EXIT_OK if finished.state == "success" else EXIT_PROBLEM


def _status(args: argparse.Namespace) -> int:
    with _client(args) as client:
        attempt = client.attempt(args.attempt)
        tasks = client.tasks(attempt)
    if args.json:
        print(json.dumps(attempt.model_dump(mode="json", by_alias=True), indent=2))
    else:
        _print_attempt(attempt)
        for task in tasks:
            print(f"  {task.state:<20} {task.full_name}")
    return EXIT_PROBLEM if attempt.state in ("error", "killed") else EXIT_OK


def _print_attempt(attempt: Attempt) -> None:
    print(f"Attempt {attempt.id}: {attempt.state}")
    print(f"  project:  {attempt.project.name} (id {attempt.project.id})")
    print(f"  workflow: {attempt.workflow.name}")
    print(f"  session:  {attempt.session_time.isoformat()}")
    if attempt.retry_attempt_name:
        print(f"  retry:    {attempt.retry_attempt_name}")
    print(f"  created:  {attempt.created_at.isoformat()}")
    if attempt.finished_at is not None:
        print(f"  finished: {attempt.finished_at.isoformat()}")


def _logs(args: argparse.Namespace) -> int:
    with _client(args) as client:
        if not client.log_files(args.attempt, task=args.task):
            # Digdag answers an empty list, not an error, when a server keeps no task logs.
            which = f" of tasks starting with {args.task}" if args.task else ""
            print(
                f"attempt {args.attempt} has no log files{which} (its tasks have not run yet, "
                "or the server keeps no task logs: start it with --task-log DIR)",
                file=sys.stderr,
            )
            return EXIT_OK
        text = client.logs(args.attempt, task=args.task)
    sys.stdout.write(text)
    return EXIT_OK
