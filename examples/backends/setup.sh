#!/usr/bin/env bash
# Installs what the framework example backends need, skipping what is already there:
#   django/.venv  Django REST framework + simplejwt + gunicorn from PyPI (Debian's python3-venv)
#   express/node_modules  Express + jsonwebtoken + express-validator from npm (its own lockfile)
# Called by scripts/test.sh before the backend flow tests; safe to run any number of times.
set -euo pipefail
cd "$(dirname "$0")"

PY=/usr/bin/python3
if ! "$PY" -c 'import venv, ensurepip' >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "== apt-get install python3-venv (Django example backend)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
  else
    echo "The Django example backend needs Debian's python3-venv (apt-get install python3-venv)." >&2
    exit 1
  fi
fi

VENV=django/.venv
STAMP="$VENV/.installed"
if [ ! -x "$VENV/bin/gunicorn" ] || [ ! -f "$STAMP" ] || [ django/requirements.txt -nt "$STAMP" ]; then
  echo "== pip install django/requirements.txt into $VENV"
  [ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r django/requirements.txt
  touch "$STAMP"
fi

if [ ! -d express/node_modules ] || [ express/package-lock.json -nt express/node_modules/.package-lock.json ]; then
  echo "== npm install (Express example backend)"
  (cd express && npm install --no-audit --no-fund --loglevel=error)
fi
