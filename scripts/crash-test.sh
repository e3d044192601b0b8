#!/usr/bin/env bash
# The long crash test: `nifty-ghl serve` killed with SIGKILL N times (default 200) at random
# moments while signed events flow against the sandbox; then every acknowledged event must
# have exactly its effect in the sandbox. The test suite runs the same test with 20 kills.
#
#   scripts/crash-test.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
kills="${1:-200}"
case "$kills" in
  '' | *[!0-9]*) echo "usage: scripts/crash-test.sh [number of kills]" >&2; exit 2 ;;
esac
NIFTY_GHL_CRASH_KILLS="$kills" cargo test --release -p nifty-ghl --test durability \
  every_acknowledged_event_has_its_effect_once_through_sigkills -- --nocapture
