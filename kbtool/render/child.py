"""Child process for rendering user templates: ``python -m kbtool.render.child``.

Reads one JSON request on stdin (template, user_dir, context, limits), sets its own memory
and CPU limits before importing jinja2, renders, and writes the output to stdout. A failure
is one JSON line on stderr, ``{"error": "template:line: …"}``, and exit status 1.
"""

from __future__ import annotations

import json
import resource
import sys
from pathlib import Path


def _limit(memory: int, seconds: float) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    cpu = int(seconds) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    sys.setrecursionlimit(2000)


def main() -> int:
    request = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    _limit(int(request["memory"]), float(request["seconds"]))
    from kbtool.errors import UsageError
    from kbtool.render.engine import TemplateError, render_in_process

    try:
        out = render_in_process(
            request["template"],
            request["context"],
            Path(request["user_dir"]),
            max_output=int(request["output"]),
        )
    except UsageError as exc:
        sys.stderr.write(json.dumps({"error": str(exc), "usage": True}) + "\n")
        return 1
    except TemplateError as exc:
        sys.stderr.write(json.dumps({"error": str(exc)}) + "\n")
        return 1
    except MemoryError:
        sys.stderr.write(
            json.dumps({"error": f"{request['template']}: memory limit exceeded"}) + "\n"
        )
        return 1
    sys.stdout.buffer.write(out.encode("utf-8"))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
