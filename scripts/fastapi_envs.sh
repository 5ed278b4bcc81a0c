#!/usr/bin/env bash
# Create the test-only FastAPI environments that the flagship reproduction test runs in:
#
#   bash scripts/fastapi_envs.sh DIR      ->  DIR/old (FastAPI 0.123.0), DIR/mid (FastAPI 0.136.3,
#                                             the last release whose app.routes lists the routes
#                                             of included routers), DIR/new (FastAPI 0.165.0)
#
# Then point the test at them:
#   KBTOOL_FASTAPI_OLD_PYTHON=DIR/old/bin/python KBTOOL_FASTAPI_MID_PYTHON=DIR/mid/bin/python \
#   KBTOOL_FASTAPI_NEW_PYTHON=DIR/new/bin/python .venv/bin/pytest tests/test_fastapi_repro.py
#
# These are not kbtool dependencies: only tests/repro/fastapi_asynccontextmanager.py and
# tests/repro/fastapi_route_check.py run here.
# Every package is pinned so that the symptom texts the test compares stay reproducible.
# Re-running reuses an environment whose pins already match.
set -euo pipefail
if [ $# -ne 1 ]; then
  echo "usage: $0 DIR" >&2
  exit 2
fi
DIR=$1
PY=${PYTHON:-python3}

COMMON=(
  "SQLAlchemy==2.0.58" "aiosqlite==0.22.1" "greenlet==3.5.6" "httpx==0.28.1"
  "httpcore==1.0.9" "h11==0.16.0" "anyio==4.16.0" "idna==3.20" "certifi==2026.10.19.post1"
  "pydantic==2.14.4" "pydantic_core==2.50.5" "annotated-types==0.8.0" "annotated-doc==0.0.7"
  "typing-inspection==0.4.5" "typing_extensions==4.16.0"
)
OLD=("fastapi==0.123.0" "starlette==0.50.0")
MID=("fastapi==0.136.3" "starlette==1.10.0")
NEW=("fastapi==0.165.0" "starlette==1.10.0" "opentelemetry-api==1.45.2")

make_env() {
  local target=$1
  shift
  local want
  want=$(printf '%s\n' "$@" | tr 'A-Z_' 'a-z-' | sort)
  if [ -x "$target/bin/python" ] && [ -f "$target/.kbtool-pins" ] && [ "$(cat "$target/.kbtool-pins")" = "$want" ]; then
    echo "$target: up to date"
    return
  fi
  rm -rf "$target"
  "$PY" -m venv "$target"
  "$target/bin/pip" install -q --disable-pip-version-check "$@"
  printf '%s\n' "$want" >"$target/.kbtool-pins"
  echo "$target: $("$target/bin/python" -c 'import fastapi; print("fastapi", fastapi.__version__)')"
}

mkdir -p "$DIR"
make_env "$DIR/old" "${COMMON[@]}" "${OLD[@]}" &
old_pid=$!
make_env "$DIR/new" "${COMMON[@]}" "${NEW[@]}" &
new_pid=$!
make_env "$DIR/mid" "${COMMON[@]}" "${MID[@]}" &
mid_pid=$!
wait "$old_pid"
wait "$new_pid"
wait "$mid_pid"
