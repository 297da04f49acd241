#!/usr/bin/env bash
# build.sh: compiles the libFuzzer targets into fuzz/out/bin.
#
#   fuzz/build.sh [TARGET...]     TARGET: frontend backend sql (default: all three)
#
# Each target is one module: the sources of the modules it exercises, concatenated with their
# `import SwitchyardX` lines dropped (so `package` declarations are visible), plus the target's
# file(s) (frontend and backend share FrameWalk.swift) and FuzzSupport.swift. SwitchyardCrypto keeps `import COpenSSL`, found through the module
# map in Sources/COpenSSL (it links -lssl -lcrypto). Targets are built with
# `-sanitize=fuzzer,address -O`.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT="$ROOT/fuzz/out/bin"
mkdir -p "$OUT"

# Module source directories per target.
sources_for() {
    case "$1" in
        frontend) echo "Sources/SwitchyardWire Sources/SwitchyardCrypto Sources/SwitchyardSession/Auth" ;;
        backend) echo "Sources/SwitchyardWire Sources/SwitchyardCrypto Sources/SwitchyardSession/Auth Sources/SwitchyardSession/Login" ;;
        sql) echo "Sources/SwitchyardSQL Sources/SwitchyardRouting" ;;
        *) echo "unknown target $1" >&2; exit 2 ;;
    esac
}

main_files_for() {
    case "$1" in
        frontend) echo "fuzz/FrontendTarget.swift fuzz/FrameWalk.swift" ;;
        backend) echo "fuzz/BackendTarget.swift fuzz/FrameWalk.swift" ;;
        sql) echo "fuzz/SQLTarget.swift" ;;
    esac
}

build() {
    local target=$1
    local work
    work=$(mktemp -d "/tmp/switchyard-fuzz-$target.XXXXXX")
    trap 'rm -rf "$work"' RETURN
    for dir in $(sources_for "$target"); do
        for file in $(find "$ROOT/$dir" -name '*.swift' | sort); do
            sed -E '/^import Switchyard(Wire|SQL|Routing|Crypto|Session)$/d' "$file" \
                > "$work/$(echo "${file#$ROOT/}" | tr '/' '_')"
        done
    done
    local flags=(-sanitize=fuzzer,address -O -wmo -swift-version 6 -parse-as-library -package-name switchyard
        -module-name "Fuzz_$target" -I "$ROOT/Sources/COpenSSL" -use-ld=lld)
    local files=("$work"/*.swift "$ROOT/fuzz/FuzzSupport.swift")
    for file in $(main_files_for "$target"); do files+=("$ROOT/$file"); done
    echo "building $target" >&2
    swiftc "${flags[@]}" "${files[@]}" -o "$OUT/$target"
}

targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(frontend backend sql)
for target in "${targets[@]}"; do
    build "$target"
done
