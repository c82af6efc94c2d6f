#!/usr/bin/env bash
# Examples use only public API, so an integrator can copy one out of the package.
#
# Each folder under Examples/ is type-checked the way a program outside this package would be:
# against the built modules but without the package's name, so `package` (and internal)
# declarations are out of reach and any use of them fails here with the compiler's own message.
#
# Usage: scripts/check-examples-public.sh [--skip-build]
#   --skip-build   use the modules of the last `swift build` (CI builds just before)
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" != "--skip-build" ]; then
    for example in Examples/*/; do
        swift build --product "$(basename "$example")" >/dev/null
    done
fi

bin=$(swift build --show-bin-path)
modules="$bin/Modules"
[ -d "$modules" ] || modules="$bin"   # older SwiftPM keeps the modules beside the products

status=0
for example in Examples/*/; do
    name=$(basename "$example")
    files=()
    while IFS= read -r -d '' file; do files+=("$file"); done < <(find "$example" -name '*.swift' -print0 | sort -z)
    [ ${#files[@]} -gt 0 ] || continue
    # A program with main.swift runs top-level code; the others have an @main type.
    mode=(-parse-as-library)
    for file in "${files[@]}"; do [ "$(basename "$file")" = main.swift ] && mode=(); done
    if ! output=$(swiftc -typecheck -continue-building-after-errors -swift-version 6 ${mode[@]+"${mode[@]}"} \
        -enable-upcoming-feature ExistentialAny -enable-upcoming-feature MemberImportVisibility \
        -module-name "PublicAPICheck" -I "$modules" "${files[@]}" 2>&1); then
        echo "Examples/$name uses API that is not public (a program outside the package could not build it):"
        echo "$output" | grep -E '^[^ ].*error:' || echo "$output"
        status=1
    else
        echo "Examples/$name: public API only."
    fi
done
exit $status
