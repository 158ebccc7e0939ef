#!/usr/bin/env bash
# Runs the whole test suite: installs what is missing, `bazel test //...`,
# then prints `N passed, N failed` counting GoogleTest cases (not targets),
# read from each test target's test.xml.
#
#   bash tools/test.sh                   # default config (optimised, checks on)
#   bash tools/test.sh --config=asan     # ASan + UBSan + leak check
#   bash tools/test.sh //tests/sim/...   # a subset
set -uo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh || exit 1

flags=()
targets=()
for arg in "$@"; do
  case "$arg" in
    -*) flags+=("$arg") ;;
    *) targets+=("$arg") ;;
  esac
done
((${#targets[@]})) || targets=(//...)

bazel test "${flags[@]}" "${targets[@]}"
status=$?

# Count test cases from the XML of every test target that was asked for.
query="tests(set(${targets[*]})) except attr(tags, manual, set(${targets[*]}))"
testlogs=$(bazel info "${flags[@]}" bazel-testlogs 2>/dev/null)
passed=0
failed=0
while read -r label; do
  [[ -n "$label" ]] || continue
  path=${label#//}
  path=${path/://}
  xml="$testlogs/$path/test.xml"
  if [[ ! -f "$xml" ]]; then
    # The target did not run (it failed to build): count it as one failure.
    failed=$((failed + 1))
    continue
  fi
  # The first element with a tests= attribute is <testsuites> (GoogleTest) or,
  # for a crash Bazel reported itself, <testsuite>.
  read -r t f e s < <(awk '
    match($0, /<testsuites? [^>]*tests="[0-9]+"/) {
      head = substr($0, RSTART, RLENGTH + 200)
      n = split("tests failures errors skipped", k, " ")
      for (i = 1; i <= n; i++) {
        v[i] = 0
        if (match(head, k[i] "=\"[0-9]+\"")) v[i] = substr(head, RSTART + length(k[i]) + 2, RLENGTH - length(k[i]) - 3)
      }
      print v[1], v[2], v[3], v[4]
      exit
    }' "$xml")
  t=${t:-0} f=${f:-0} e=${e:-0} s=${s:-0}
  if ((t == 0)); then
    failed=$((failed + 1))  # an XML without test cases: the binary died early
    continue
  fi
  failed=$((failed + f + e))
  passed=$((passed + t - f - e - s))
done < <(bazel query "$query" 2>/dev/null)

if ((status != 0 && failed == 0)); then failed=1; fi
echo "${passed} passed, ${failed} failed"
((status == 0 && failed == 0))
