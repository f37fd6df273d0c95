#!/usr/bin/env bash
# Refreshes the committed create-next-app fixtures: exactly what `create-next-app@latest`
# generates today with its defaults (`default/`, with the lockfile its install would write), with
# `--src-dir` (`src-dir/`) and with `--js` (`js/`). Nothing is edited by hand: the e2e
# (examples/create-next-app/test.sh) and __test__/init.test.js run `init` on copies of these.
# Needs the npm registry (npx create-next-app@latest, npm install --package-lock-only).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/nalnative-cna.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

make() { # make NAME [extra create-next-app flags]
  local name="$1"
  shift
  (cd "$tmp" && npx --yes create-next-app@latest "$name" --yes --skip-install --disable-git "$@" >/dev/null)
  rm -rf "${here:?}/$name"
  mv "$tmp/$name" "$here/$name"
}

version="$(npm view create-next-app version)"
make default
make src-dir --src-dir
make js --js
(cd "$here/default" && npm install --package-lock-only --no-audit --no-fund --loglevel=error)
echo "$version" >"$here/VERSION"
echo "create-next-app $version: default/, src-dir/, js/ refreshed"
