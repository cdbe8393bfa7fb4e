#!/usr/bin/env bash
# Re-runs the Mistral case corpus (tests/mistral_cases/) against a real
# Mistral 23.0.0 (default http://127.0.0.1:8979/v2, as ../shared/mistral/start.sh
# runs it) or any Mistral-compatible URL, so anyone can re-verify that every
# case says what Mistral does. Extra arguments go to the runner, e.g.
#   scripts/cases-on-mistral.sh --only 'flow/*' --report /tmp/m.json
set -euo pipefail
cd "$(dirname "$0")/.."
url="${MISTRAL_URL:-http://127.0.0.1:8979/v2}"
exec python3 scripts/run_cases.py --base-url "$url" --cases tests/mistral_cases --jobs "${JOBS:-3}" --timeout 90 "$@"
