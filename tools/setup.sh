#!/usr/bin/env bash
# Installs exactly the Debian packages zcsim needs, only when missing.
# Idempotent: on a machine that has them all it runs no apt command at all.
set -euo pipefail

packages=(
  bazel-bootstrap   # Bazel 4.2.3, WORKSPACE mode
  bazel-rules-java  # rules_java for Bazel's JDK toolchains
  g++               # the default toolchain (C++20)
  clang             # --config=fuzz (libFuzzer)
  libclang-rt-14-dev
  libabsl-dev
  libfmt-dev
  libgtest-dev
  libgmock-dev
  libbenchmark-dev
  liburing-dev
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "setup: missing packages: ${missing[*]} (run as root to install them)" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >&2
fi
