#!/usr/bin/env bash
# The system packages the test suite needs, installed when they are missing (Debian's apt).
# `make test` and `.ci/run` both call this, so a newcomer's first `make test` on a fresh
# machine gets what CI gets.
#
#   scripts/system-packages.sh          install what is missing (as root, or with sudo -n)
#   scripts/system-packages.sh --check  only report; exit 1 when something is missing
#
# Each need is checked by the file the suite uses, not by package name, so a machine that has
# them some other way passes too. Without root or password-less sudo, it stops with one line
# naming the command to run.
set -euo pipefail

missing=()
# Browser tests drive this exact binary (tests/browser/conftest.py).
[[ -x /usr/bin/chromium ]] || missing+=(chromium)
# Without a CJK font, Chinese renders as empty boxes in the browser tests' screenshots.
compgen -G "/usr/share/fonts/truetype/wqy/wqy-microhei.tt?" >/dev/null || missing+=(fonts-wqy-microhei)
# compilemessages (the suite runs with the zh-hans catalogues compiled).
command -v msgfmt >/dev/null || missing+=(gettext)
# Integration tests and `make test-pg` start throwaway clusters (scripts/postgres.sh).
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
# .ci/run calls this before make; a newcomer's `make test` has it already.
command -v make >/dev/null || missing+=(make)

if ((${#missing[@]} == 0)); then
    echo "System packages: all present."
    exit 0
fi
if [[ "${1:-}" == "--check" ]]; then
    echo "System packages missing: ${missing[*]} (apt-get install -y ${missing[*]})" >&2
    exit 1
fi

if [[ "$(id -u)" -eq 0 ]]; then
    sudo=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    sudo=(sudo -n)
else
    echo "The test suite needs system packages; run: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
fi
if ! command -v apt-get >/dev/null; then
    echo "The test suite needs system packages (Debian names): ${missing[*]}; install them" \
        "with your system's package manager." >&2
    exit 1
fi

echo "System packages: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Another apt run (a second checkout's `make test`) may hold the lock: wait for it.
apt=("${sudo[@]}" apt-get -q -o DPkg::Lock::Timeout=600)
"${apt[@]}" update
"${apt[@]}" install -y "${missing[@]}" </dev/null
