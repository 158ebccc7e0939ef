#!/usr/bin/env bash
# Builds zcsim (installing what is missing) and runs it with the given
# arguments; the trace goes to stdout, Bazel's own messages are kept quiet.
#
#   bash tools/run.sh demo --seed 3
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
bazel build --ui_event_filters=-info,-stdout,-stderr --noshow_progress //tools:zcsim >&2 ||
  { bazel build //tools:zcsim; exit 2; }
exec bazel-bin/tools/zcsim "$@"
