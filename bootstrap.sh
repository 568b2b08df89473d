#!/usr/bin/env bash
# bootsmith's set-up script: the two commands of the README's Quick start.
#
#   ./bootstrap.sh demo   install what is missing, build, run `bootsmith status` on a fixture root
#   ./bootstrap.sh test   install what is missing, build (normal + ASan/UBSan), run the whole test suite,
#                         build the libFuzzer targets and run each briefly
#
# Works on a fresh Debian 12 machine, as root or through sudo. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")"

# Build dependencies (Debian 12 package names).
BUILD_PACKAGES=(
  build-essential cmake ninja-build pkg-config xz-utils
  libefivar-dev libefiboot-dev libblkid-dev libboost-program-options-dev
  nlohmann-json3-dev libdtl-dev libgtest-dev scdoc
)
# What the tests drive: real shells for completion, and the real tools used as oracles.
TEST_PACKAGES=(
  bash-completion zsh fish diffutils patch clang-format jq time xxd
  efibootmgr efivar grub-common grub2-common fdisk dosfstools mtools e2fsprogs hyperfine
  python3-rpm systemd syslinux-common
  clang llvm
)

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

install_missing() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing: ${missing[*]}"
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

build() { # build DIR [extra cmake args…]
  local dir=$1
  shift
  log "building in $dir"
  cmake -S . -B "$dir" -G Ninja -DBOOTSMITH_WERROR=ON "$@" >/dev/null
  cmake --build "$dir" -j "$(nproc)"
}

run_tests() { # run_tests DIR
  log "testing in $1"
  ctest --test-dir "$1" --output-on-failure -j "$(nproc)" --timeout 600
}

case "${1:-}" in
  demo)
    install_missing "${BUILD_PACKAGES[@]}"
    build build
    log "build/bootsmith --root build/fixtures/debian12-uefi status"
    build/bootsmith --root build/fixtures/debian12-uefi status
    ;;
  test)
    install_missing "${BUILD_PACKAGES[@]}" "${TEST_PACKAGES[@]}"
    start=$(date +%s)
    build build
    run_tests build
    # The same suite under AddressSanitizer + UndefinedBehaviorSanitizer.
    build build-asan -DBOOTSMITH_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 run_tests build-asan
    # The libFuzzer targets (clang, ASan + UBSan): every regression input, then 8 s of fuzzing each.
    FUZZ_RUNS="" fuzz/run.sh "${FUZZ_SECONDS:-8}"
    log "all tests passed in $(($(date +%s) - start)) s (normal and sanitizer builds, fuzzers)"
    ;;
  *)
    echo "usage: $0 demo|test" >&2
    exit 2
    ;;
esac
