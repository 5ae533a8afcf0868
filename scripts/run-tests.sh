#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run calls this after install-deps.sh):
#   1. gcc build with warnings as errors, every CTest test (unit, golden, CLI, integration);
#   2. clang ASan+UBSan build, the same tests;
#   3. clang TSan build, the tests where threads meet (integration: live capture, the /metrics
#      server under a scrape storm, the syslog sender threads; the lab);
#   4. source gates: clang-format, clang-tidy, and the dissector dependency/byte-access rules.
# PRINTWATCH_SKIP_ASAN=1 skips stages 2 and 3 for a quick local loop.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

echo "== gate: dissectors depend on core only and read bytes through ByteReader"
if grep -rnE '#include *[<"](pcap|spdlog|prometheus|fmt|exporters/|sensor/detect|detect/|fstream)|reinterpret_cast|memcpy|\bnew |\bdelete ' --include='*.cpp' --include='*.h' dissectors/; then
  echo "FAIL: banned include or token in dissectors/ (see dissectors/README.md)"
  exit 1
fi

echo "== gate: clang-format"
git ls-files '*.cpp' '*.h' | xargs clang-format --dry-run -Werror

echo "== ci build (gcc, -Werror) and tests"
cmake --preset ci
cmake --build --preset ci -j "$jobs"
ctest --preset ci -j "$jobs"

echo "== gate: clang-tidy (.clang-tidy, warnings are errors) on every product source"
git ls-files 'sensor/*.cpp' 'dissectors/*.cpp' 'exporters/*.cpp' |
  xargs -P "$jobs" -n 4 clang-tidy -p build/ci --quiet 2>/dev/null

if [ "${PRINTWATCH_SKIP_ASAN:-0}" != 1 ]; then
  echo "== asan build (clang, ASan+UBSan) and tests"
  cmake --preset asan
  cmake --build --preset asan -j "$jobs"
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --preset asan -j "$jobs"
fi

if [ "${PRINTWATCH_SKIP_ASAN:-0}" != 1 ]; then
  echo "== tsan build (clang, ThreadSanitizer) and the threaded tests"
  cmake --preset tsan
  cmake --build --preset tsan -j "$jobs"
  ctest --preset tsan -R "^unit/" -j "$jobs"
  ctest --preset tsan -L integration
fi
