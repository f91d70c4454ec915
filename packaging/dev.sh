#!/usr/bin/env bash
# One entry point for a fresh Debian 12 machine:
#   packaging/dev.sh build   install what is missing, configure, build
#   packaging/dev.sh run     build, then open the app with the blocking-call example loaded;
#                            without a display, run that example headless and write an HTML report
#   packaging/dev.sh test    build, then run the whole test suite through CTest
#   packaging/dev.sh package build, then make the Debian package (CPack) in the build directory:
#                            install it with apt install ./build/dev/coroscope_*.deb
# COROSCOPE_PRESET picks the CMake preset (default dev; release for a Release build).
# Idempotent: a second call installs nothing and only rebuilds what changed.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
preset="${COROSCOPE_PRESET:-dev}"
build_dir="$root/build/$preset"

# Every Debian package the build, the tests and the demo need. Keep in sync with CMakeLists.txt.
packages=(
    build-essential cmake ninja-build pkg-config
    libgcc-12-dev            # libbacktrace: symbolized watchdog stacks
    qt6-base-dev qt6-base-dev-tools libgl-dev
    qt6-declarative-dev      # QJSEngine: workload scripts
    qt6-declarative-private-dev  # Qt's JS parser: columns of script syntax errors
    qcoro-qt6-dev libsqlite3-dev qt6-charts-dev
    librsvg2-bin             # rsvg-convert: the icon's PNGs, rendered from its SVG
    dpkg-dev file            # cpack's .deb: dpkg-shlibdeps for Depends, file to find the binaries
    # Tests of the packaging: validators of the .desktop file and the metainfo, the MIME database,
    # the man page
    desktop-file-utils appstream shared-mime-info man-db groff-base
    heaptrack                # test_outerallocator: heaptrack must see the runner's allocations
)

missing_packages() {
    local p status
    for p in "${packages[@]}"; do
        status="$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)"
        [ "$status" = "installed" ] || echo "$p"
    done
}

ensure_packages() {
    local missing
    missing="$(missing_packages | tr '\n' ' ')"
    [ -z "${missing// /}" ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        echo "coroscope: missing Debian packages: $missing" >&2
        echo "coroscope: install them with: sudo apt-get install $missing" >&2
        exit 1
    fi
    echo "coroscope: installing $missing"
    export DEBIAN_FRONTEND=noninteractive DEBCONF_NOWARNINGS=yes
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

configure_and_build() {
    ensure_packages
    if [ ! -f "$build_dir/build.ninja" ]; then
        cmake --preset "$preset" -S "$root" >/dev/null
    fi
    cmake --build "$build_dir" --parallel "$(nproc)"
}

cmd="${1:-}"
[ $# -gt 0 ] && shift
case "$cmd" in
    build)
        configure_and_build
        ;;
    run)
        configure_and_build
        if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
            exec "$build_dir/app/coroscope" example:blocking-call "$@"
        fi
        report="$build_dir/blocking-call-report.html"
        echo "coroscope: no display: running example:blocking-call headless" >&2
        status=0
        "$build_dir/app/coroscope" run example:blocking-call --report "$report" "$@" || status=$?
        echo "coroscope: HTML report written to $report (open it in a browser)" >&2
        exit "$status"
        ;;
    test)
        configure_and_build
        cd "$build_dir"
        QT_QPA_PLATFORM=offscreen ctest --output-on-failure --timeout 300 "$@"
        ;;
    package)
        configure_and_build
        cd "$build_dir"
        cpack --config CPackConfig.cmake "$@"
        for deb in "$build_dir"/coroscope_*.deb; do
            echo "coroscope: package: $deb ($(du -h "$deb" | cut -f1))"
            echo "coroscope: install it with: sudo apt install $deb"
        done
        ;;
    *)
        echo "usage: packaging/dev.sh build|run|test|package [args]" >&2
        exit 2
        ;;
esac
