"""Render entries through Jinja2 templates, safely.

- Jinja2's ``ImmutableSandboxedEnvironment`` with ``StrictUndefined``: a template cannot
  reach Python internals, mutate the context, or silently print a missing field.
- Templates are looked up in the user's folder first (``--templates DIR`` or the ``templates``
  setting), then in kbtool's own; ``default:NAME`` always names kbtool's, so a user template
  can ``{% extends "default:fix-report.md.j2" %}``. A template folder cannot reach outside
  itself (no ``..``, no symbolic link that leaves it).
- Every ``{{ … }}`` is escaped for Markdown unless it went through an ``md_*`` filter (see
  :mod:`kbtool.render.mdescape`); data is never compiled as a template.
- When user templates are in play, rendering runs in a child process with a time limit, a
  memory limit (``RLIMIT_AS``) and an output limit; kbtool's own templates render in-process.

jinja2 is imported only inside the functions here (it costs ~90 ms at start-up).
"""

from __future__ import annotations

import json
import os
import subprocess
import traceback
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kbtool.errors import KbError, UsageError

if TYPE_CHECKING:
    from jinja2 import Environment

    from kbtool.render.shapes import RenderContext

MAX_TEMPLATE_BYTES = 256 * 1024
MAX_POWER = 10_000
MAX_REPEAT = 1_000_000


def _unchanged(path: Path, mtime: float) -> bool:
    return path.stat().st_mtime == mtime


class TemplateError(KbError):
    """A template is broken, not allowed, or went over a limit (exit 1)."""

    exit_code = 1


@dataclass(frozen=True)
class Limits:
    """Limits for rendering user templates (in a child process)."""

    seconds: float = 10.0
    memory_bytes: int = 512 * 1024 * 1024
    output_bytes: int = 16 * 1024 * 1024


def template_name(name: str) -> str:
    """``fix-report`` → ``fix-report.md.j2``; names with a dot are kept."""
    return name if "." in Path(name).name else f"{name}.md.j2"


def make_environment(user_dir: Path | None) -> Environment:
    """The sandboxed environment with kbtool's loaders, filters and escaping."""
    from jinja2 import ChoiceLoader, FileSystemLoader, PrefixLoader, StrictUndefined
    from jinja2.exceptions import SecurityError, TemplateNotFound
    from jinja2.loaders import split_template_path
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    from kbtool.render.mdescape import FILTERS, finalize
    from kbtool.resources import templates_dir

    class ConfinedLoader(FileSystemLoader):
        """A folder of templates that no name or link can leave."""

        def get_source(self, environment: Any, template: str) -> tuple[str, str, Any]:
            pieces = split_template_path(template)
            for folder in self.searchpath:
                root = Path(folder).resolve()
                candidate = root.joinpath(*pieces)
                if not os.path.lexists(candidate):
                    continue
                real = candidate.resolve()
                if not real.is_relative_to(root):
                    raise SecurityError(
                        f"template {template!r} is not allowed: it leads "
                        "outside its template folder"
                    )
                if not real.is_file():
                    continue
                if real.stat().st_size > MAX_TEMPLATE_BYTES:
                    raise SecurityError(f"template {template!r} is over {MAX_TEMPLATE_BYTES} bytes")
                source = real.read_text(encoding="utf-8")
                mtime = real.stat().st_mtime
                return source, str(candidate), partial(_unchanged, real, mtime)
            raise TemplateNotFound(template)

    ours = ConfinedLoader(str(templates_dir()))
    loaders: list[Any] = []
    if user_dir is not None:
        loaders.append(ConfinedLoader(str(user_dir)))
    loaders += [PrefixLoader({"default": ours}, delimiter=":"), ours]

    class Environment(ImmutableSandboxedEnvironment):
        """The sandbox, plus size checks on ``*`` and ``**`` (no huge strings or numbers)."""

        intercepted_binops = frozenset({"*", "**"})

        def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
            if operator == "**" and isinstance(right, int) and abs(right) > MAX_POWER:
                raise SecurityError(f"exponent {right} is over the limit of {MAX_POWER}")
            if operator == "*":
                for seq, times in ((left, right), (right, left)):
                    if (
                        isinstance(seq, str | list | tuple)
                        and isinstance(times, int)
                        and len(seq) * times > MAX_REPEAT
                    ):
                        raise SecurityError(
                            f"repeating a sequence to more than {MAX_REPEAT} items is not allowed"
                        )
            return super().call_binop(context, operator, left, right)

    env = Environment(
        loader=ChoiceLoader(loaders),
        undefined=StrictUndefined,
        autoescape=False,
        finalize=finalize,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters.update(FILTERS)
    return env


def _error_line(exc: BaseException, template: str = "<template>") -> tuple[str, int]:
    """(template file, line) of the innermost template frame of an exception."""
    from jinja2 import TemplateSyntaxError

    if isinstance(exc, TemplateSyntaxError) and exc.lineno:
        return exc.filename or exc.name or template, exc.lineno
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename.endswith((".j2", ".jinja", ".jinja2", ".md", ".txt", ".html")):
            return frame.filename, frame.lineno or 0
    return template, 0


def describe_error(exc: BaseException, template: str = "<template>") -> str:
    """``template:line: what went wrong`` for any exception raised while rendering."""
    from jinja2 import TemplateSyntaxError, UndefinedError
    from jinja2.exceptions import SecurityError, TemplateNotFound

    from kbtool.diagnostics import display_path, sanitize

    if isinstance(exc, TemplateNotFound):
        return f"template not found: {exc.name}"
    filename, line = _error_line(exc, template)
    where = f"{display_path(filename)}:{line}"
    if isinstance(exc, SecurityError):
        return f"{where}: not allowed: {sanitize(str(exc), 200)}"
    if isinstance(exc, TemplateSyntaxError):
        return f"{where}: syntax error: {sanitize(exc.message or str(exc), 200)}"
    if isinstance(exc, UndefinedError):
        message = sanitize(str(exc), 200)
        if "'entry' is undefined" in message:
            message += " (this template renders one entry: select exactly one)"
        return f"{where}: undefined: {message}"
    if isinstance(exc, MemoryError):
        return f"{where}: memory limit exceeded"
    if isinstance(exc, RecursionError):
        return f"{where}: recursion too deep"
    return f"{where}: {type(exc).__name__}: {sanitize(str(exc), 200)}"


def render_in_process(
    name: str,
    context: RenderContext | dict[str, Any],
    user_dir: Path | None = None,
    *,
    max_output: int | None = None,
) -> str:
    """Render in this process. Raises :class:`TemplateError` (``template:line: …``)."""
    from jinja2.exceptions import TemplateNotFound

    env = make_environment(user_dir)
    try:
        template = env.get_template(template_name(name))
        from kbtool.render.mdescape import tidy

        if max_output is None:
            return tidy(template.render(context))
        out: list[str] = []
        size = 0
        for chunk in template.generate(context):
            size += len(chunk)
            if size > max_output:
                raise TemplateError(
                    f"{template.filename}: output is over the limit of "
                    f"{max_output} characters; stopped"
                )
            out.append(chunk)
        return tidy("".join(out))
    except TemplateNotFound as exc:
        raise UsageError(
            f"template not found: {exc.name} (looked in "
            f"{'your template folder and ' if user_dir else ''}kbtool's templates)"
        ) from exc
    except (TemplateError, UsageError):
        raise
    except Exception as exc:  # any template failure is the template's, reported with its line
        selected = len(context.get("entries", ())) if isinstance(context, dict) else 1
        if selected != 1 and "'entry' is undefined" in str(exc):
            # the template is fine; the selection is wrong for it (a usage error, exit 2)
            raise UsageError(
                f"{template_name(name)}: renders one entry, and {selected} are selected: "
                "select exactly one (give one ID)"
            ) from exc
        raise TemplateError(describe_error(exc, template_name(name))) from exc


def render(
    name: str, context: RenderContext, *, user_dir: Path | None = None, limits: Limits | None = None
) -> str:
    """Render a template. With ``user_dir`` the work runs in a limited child process."""
    if user_dir is None:
        return render_in_process(name, context)
    return _render_child(name, context, user_dir, limits or Limits())


def _render_child(name: str, context: RenderContext, user_dir: Path, limits: Limits) -> str:
    from kbtool.isolation import isolated_python

    request = json.dumps(
        {
            "template": name,
            "user_dir": os.path.abspath(user_dir),  # noqa: PTH100 - the child runs elsewhere
            "context": context,
            "memory": limits.memory_bytes,
            "seconds": limits.seconds,
            "output": limits.output_bytes,
        }
    )
    command, env, cwd = isolated_python("kbtool.render.child")
    try:
        proc = subprocess.run(
            command,
            input=request.encode("utf-8"),
            capture_output=True,
            timeout=limits.seconds,
            env=env,
            cwd=cwd,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise TemplateError(
            f"{template_name(name)}: rendering stopped: over the time limit of {limits.seconds:g} s"
        ) from exc
    if proc.returncode == 0:
        if len(proc.stdout) > limits.output_bytes * 4:
            raise TemplateError(f"{template_name(name)}: output is over the limit")
        return proc.stdout.decode("utf-8")
    message = proc.stderr.decode("utf-8", errors="replace").strip().splitlines()
    if proc.returncode < 0:
        raise TemplateError(
            f"{template_name(name)}: rendering was killed (signal "
            f"{-proc.returncode}: time or memory limit)"
        )
    try:
        payload = json.loads(message[-1]) if message else {}
    except ValueError:
        payload = {}
    if isinstance(payload, dict) and "error" in payload:
        cls: type[KbError] = UsageError if payload.get("usage") else TemplateError
        raise cls(str(payload["error"]))
    from kbtool.diagnostics import sanitize

    last = sanitize(message[-1], 200) if message else f"exit status {proc.returncode}"
    raise TemplateError(f"{template_name(name)}: rendering failed: {last}")
