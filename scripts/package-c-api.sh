#!/bin/sh
# Stages libconductor for C and C++ projects under a prefix:
#
#   PREFIX/include/conductor.h, conductor.hpp
#   PREFIX/lib/libconductor.so, libconductor.a
#   PREFIX/lib/pkgconfig/conductor.pc
#   PREFIX/lib/cmake/Conductor/ConductorConfig.cmake, ConductorConfigVersion.cmake
#
# usage: scripts/package-c-api.sh [--prefix DIR] [--lib-dir DIR]
#
#   --prefix DIR   where to put the tree (default: target/c-api). For a system-wide
#                  install use e.g. /usr/local (with sudo).
#   --lib-dir DIR  take libconductor.so and libconductor.a from DIR instead of running
#                  `cargo build --release -p conductor-ffi` and using target/release.
#
# Then: PKG_CONFIG_PATH=PREFIX/lib/pkgconfig pkg-config --cflags --libs conductor, or
# cmake -DCMAKE_PREFIX_PATH=PREFIX with find_package(Conductor).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
prefix="$root/target/c-api"
lib_dir=""
while [ $# -gt 0 ]; do
    case "$1" in
        --prefix) prefix="$2"; shift 2 ;;
        --lib-dir) lib_dir="$2"; shift 2 ;;
        *) echo "package-c-api.sh: unknown argument $1 (see the comment at the top)" >&2; exit 2 ;;
    esac
done
if [ -z "$lib_dir" ]; then
    (cd "$root" && cargo build --release -p conductor-ffi)
    lib_dir="$root/target/release"
fi
for lib in libconductor.so libconductor.a; do
    [ -f "$lib_dir/$lib" ] || { echo "package-c-api.sh: $lib_dir/$lib is missing" >&2; exit 1; }
done
mkdir -p "$prefix"
prefix=$(cd "$prefix" && pwd)

# The version the header was generated with.
version_part() {
    sed -n "s/^#define CONDUCTOR_VERSION_$1 \([0-9]*\)$/\1/p" "$root/include/conductor.h"
}
major=$(version_part MAJOR)
minor=$(version_part MINOR)
patch=$(version_part PATCH)
version="$major.$minor.$patch"

mkdir -p "$prefix/include" "$prefix/lib/pkgconfig" "$prefix/lib/cmake/Conductor"
cp "$root/include/conductor.h" "$root/include/conductor.hpp" "$prefix/include/"
# The libraries are large: hard-link them when the prefix is on the same file system.
for lib in libconductor.so libconductor.a; do
    rm -f "$prefix/lib/$lib"
    ln "$lib_dir/$lib" "$prefix/lib/$lib" 2>/dev/null || cp "$lib_dir/$lib" "$prefix/lib/$lib"
done
sed -e "s|@PREFIX@|$prefix|g" -e "s|@VERSION@|$version|g" \
    "$root/conductor-ffi/conductor.pc.in" > "$prefix/lib/pkgconfig/conductor.pc"
cp "$root/conductor-ffi/cmake/ConductorConfig.cmake" "$prefix/lib/cmake/Conductor/"
sed -e "s|@VERSION@|$version|g" -e "s|@VERSION_MAJOR@|$major|g" -e "s|@VERSION_MINOR@|$minor|g" \
    "$root/conductor-ffi/cmake/ConductorConfigVersion.cmake.in" \
    > "$prefix/lib/cmake/Conductor/ConductorConfigVersion.cmake"
echo "staged libconductor $version in $prefix"
