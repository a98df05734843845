#!/usr/bin/env bash
# Jaring's one entry point. On a fresh Debian 12 machine:
#   ./make.sh run     install what is missing, build, run the main job
#   ./make.sh test    install what is missing, build, run the whole test suite
# Also: ./make.sh bench | asan | fuzz [seconds] | lint | build
set -euo pipefail
cd "$(dirname "$0")"
JOBS=$(nproc 2>/dev/null || echo 2)

configure_build() { # dir, extra cmake args...
  local dir=$1; shift
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
  cmake --build "$dir" -j "$JOBS"
}

run_tests() { # dir
  ctest --test-dir "$1" --output-on-failure -j "$JOBS" --timeout 900
}

cmd=${1:-}
case "$cmd" in
  run)
    scripts/deps.sh
    configure_build build ${JR_WERROR:+-DJR_WERROR=ON}
    out=${JR_DEMO_OUT:-out}
    ./build/bin/jaring-demo --out "$out/demo" --assets assets
    # The whole field cycle (docs/cycle.md); JR_WINDOW=N with a display
    # opens kiosk N of it in a window at the end.
    window=()
    if [ -n "${JR_WINDOW:-}" ] && [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
      window=(--window "$JR_WINDOW")
    fi
    python3 scripts/field-cycle.py build "$out/cycle" ${JR_WORKERS:+--workers "$JR_WORKERS"} "${window[@]}"
    ;;
  test)
    scripts/deps.sh
    configure_build build ${JR_WERROR:+-DJR_WERROR=ON}
    run_tests build
    ;;
  asan)
    scripts/deps.sh
    configure_build build-asan -DJR_SANITIZE=ON ${JR_WERROR:+-DJR_WERROR=ON}
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 run_tests build-asan
    ;;
  fuzz)
    scripts/deps.sh
    secs=${2:-20}
    CC=clang configure_build build-fuzz -DJR_FUZZ=ON -DJR_KIOSK=OFF
    tests/fuzz/run.sh build-fuzz "$secs"
    ;;
  bench)
    scripts/deps.sh
    configure_build build -DJR_WERROR=OFF
    tests/bench/report.py build --runs "${JR_BENCH_RUNS:-3}" --out docs/benchmarks.md
    ;;
  lint)
    # clang-tidy with the checks in .clang-tidy (every finding an error) over
    # ledger/src (and src/tlog, src/centre), ledger/tools, kiosk/{src,tests}, node/{src,tests}, admin/src, audit/{src,tests}, sync/src, tests/{sync,firmware},
    # tests/{unit,fuzz,bench,support}
    # and scripts. Only configures: clang's compile database with the fuzz
    # targets and the kiosk (SDL2) in it; nothing is built.
    scripts/deps.sh
    CC=clang cmake -S . -B build-lint -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DJR_FUZZ=ON -DJR_KIOSK=ON >/dev/null
    root=$(printf '%s' "$PWD" | sed 's/[][\.*^$+?(){}|]/\\&/g')
    run-clang-tidy -p build-lint -j "$JOBS" -quiet \
      "^$root/(ledger/(src|src/tlog|src/centre|tools)|kiosk/(src|tests)|node/(src|tests)|admin/src|audit/(src|tests)|sync/src|tests/(unit|fuzz|bench|sync|support|firmware)|scripts)/[^/]*\.c\$"
    # and shellcheck over every shell script (scripts/shellcheck.sh)
    scripts/shellcheck.sh
    ;;
  build)
    scripts/deps.sh
    configure_build build ${JR_WERROR:+-DJR_WERROR=ON}
    ;;
  *)
    echo "usage: ./make.sh run|test|asan|fuzz [seconds]|bench|lint|build" >&2
    exit 2
    ;;
esac
