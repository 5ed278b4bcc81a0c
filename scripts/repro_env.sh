#!/usr/bin/env bash
# Create the test-only environment in which the reproduction scripts of the newer bundled
# categories run (tests/repro/*.py other than the FastAPI and original-category ones):
#
#   bash scripts/repro_env.sh DIR          ->  DIR/bin/python
#   KBTOOL_REPRO_PYTHON=DIR/bin/python .venv/bin/pytest -q tests/test_repro_symptoms.py
#
# These packages are not kbtool dependencies. Pinned to the versions the entries name, so the
# printed texts stay comparable. Cases marked [server] also need Debian's postgresql package
# (apt-get install -y postgresql); without it they are skipped.
set -euo pipefail
if [ $# -ne 1 ]; then
  echo "usage: $0 DIR" >&2
  exit 2
fi
DIR=$1
PY=${PYTHON:-python3}
PINS=(
  "aiosqlite==0.22.1" "alembic==1.20.1" "anyio==4.16.0" "asyncpg==0.32.0" "celery==5.7.0"
  "kombu==5.7.0" "billiard==4.3.2" "vine==5.1.0" "fastapi==0.165.0" "starlette==1.10.0"
  "greenlet==3.5.6" "gunicorn==27.0.1" "httpcore==1.0.9" "httpx==0.29.0" "itsdangerous==2.2.0"
  "Mako==1.4.3" "psycopg[binary]==3.3.9" "pydantic==2.14.4" "pydantic_core==2.50.5"
  "pydantic-settings==2.16.3" "python-dotenv==1.2.4" "pytest==9.2.0" "pytest-asyncio==1.5.0"
  "requests==2.34.2" "urllib3==2.8.0" "SQLAlchemy==2.1.9" "uvicorn==0.55.0"
  "uvicorn-worker==0.4.0"
)
if [ ! -x "$DIR/bin/python" ]; then
  "$PY" -m venv "$DIR"
fi
"$DIR/bin/python" -m pip install --quiet --disable-pip-version-check "${PINS[@]}"
echo "$DIR/bin/python"
