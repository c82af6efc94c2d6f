#!/usr/bin/env bash
# Builds the API reference: one DocC archive per library module, from the catalog in
# Sources/<Module>/<Module>.docc and the module's symbol graph, with the toolchain's own `docc`
# (no plugin: the package takes no dependencies), warnings as errors; then one combined archive.
# It also prints the documentation coverage of public symbols per module and fails unless it is
# complete.
#
# Usage: scripts/docs.sh [swift build flags…]
#   The flags go to `swift build --build-tests`; pass the ones the last build used (CI:
#   `scripts/docs.sh -Xswiftc -warnings-as-errors`) and that build is a no-op: the symbol graphs are
#   read from the modules it already compiled, so nothing is compiled twice.
# Output: .build/docs/<Module>.doccarchive and .build/docs/DirectorySync-combined.doccarchive
#   (static sites: serve one, e.g. `python3 -m http.server -d .build/docs/DirectorySync.doccarchive`,
#   and open /documentation/directorysync).
#
# The guides stay in Documentation/*.md, their one source: a guide belongs to the catalog whose
# pages link it as <doc:Name>, and is copied into that catalog at build time, its links to other
# guides rewritten into DocC links. Every guide must belong to exactly one catalog; a guide named
# like a type of its module (Preview, DirectoryService) gets the page <Name>Guide.
# Links to another module (only to the modules this one depends on) name it: ``DirectorySync/IdentityStore``
# in doc comments, <doc:/DirectorySync/Filters> for a guide.
#
# Coverage counts every public or open symbol of the module (extensions of other modules' types
# included) that has a source location. A symbol counts as documented when it has a non-empty doc
# comment, its own or the one it inherits from the protocol requirement it implements (the
# symbol graph carries that comment, and DocC shows it). Symbols without a source location are
# synthesized by the compiler (Equatable's ==, Hashable's hashValue, Codable's init(from:)…) or come
# from another module's protocol extension; they are left out.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)

if [[ "$(uname)" == Darwin ]]; then
    docc=$(xcrun --find docc)
    extract=$(xcrun --find swift-symbolgraph-extract)
    sdk=(-sdk "$(xcrun --show-sdk-path)")
else
    # The toolchain's own bin folder, from the compiler's resource path (a shim such as swiftly's
    # `swift` may live elsewhere); `readlink` of `swift` as a fallback.
    resources=$(swift -print-target-info | python3 -c 'import json, sys; print(json.load(sys.stdin)["paths"]["runtimeResourcePath"])')
    toolchain=$(cd "$resources/../../bin" 2>/dev/null && pwd || dirname "$(readlink -f "$(command -v swift)")")
    docc=${DOCC:-$toolchain/docc}
    extract=$toolchain/swift-symbolgraph-extract
    sdk=()
fi
for tool in "$docc" "$extract"; do
    [[ -x "$tool" ]] || { echo "docs: '$tool' is missing; the toolchain must ship docc and swift-symbolgraph-extract (or set DOCC)" >&2; exit 1; }
done
triple=$(swift -print-target-info | python3 -c 'import json, sys; print(json.load(sys.stdin)["target"]["triple"])')

out=.build/docs
rm -rf "$out"
mkdir -p "$out/symbol-graphs" "$out/catalogs"

echo "== build (reused when it is up to date) =="
if ! swift build --build-tests "$@" > "$out/build.log" 2>&1; then
    grep -E "^[^ ].*error:" "$out/build.log" | sort -u | head -20
    echo "docs: FAILED, the build failed (full log: $out/build.log)"
    exit 1
fi
tail -1 "$out/build.log"
modules_dir="$(swift build --show-bin-path "$@")/Modules"

# The library modules in dependency order, each with the library modules it depends on.
swift package dump-package | python3 -c '
import json, sys
package = json.load(sys.stdin)
libraries = [t for p in package["products"] if "library" in p["type"] for t in p["targets"]]
targets = {t["name"]: t for t in package["targets"]}
def deps(name):
    names = []
    for d in targets[name]["dependencies"]:
        for kind in ("byName", "target"):
            if kind in d: names.append(d[kind][0])
    return [n for n in names if n in libraries]
done = []
def visit(name):
    if name in done: return
    for d in deps(name): visit(d)
    done.append(name)
for name in libraries: visit(name)
for name in done: print(name, *deps(name))
' > "$out/modules.txt"

echo "== symbol graphs =="
while read -r module _; do
    mkdir -p "$out/symbol-graphs/$module"
    "$extract" -module-name "$module" -I "$modules_dir" -target "$triple" ${sdk[@]+"${sdk[@]}"} \
        -minimum-access-level public -output-dir "$out/symbol-graphs/$module"
done < "$out/modules.txt"

echo "== catalogs and guides =="
python3 - "$out" <<'PY'
import glob, json, os, re, shutil, sys
out = sys.argv[1]
modules = [line.split()[0] for line in open(os.path.join(out, "modules.txt"))]
guides = {name[:-3] for name in os.listdir("Documentation") if name.endswith(".md")}
owner, problems = {}, []
for module in modules:
    catalog = os.path.join("Sources", module, module + ".docc")
    if not os.path.isfile(os.path.join(catalog, module + ".md")):
        problems.append(f"{catalog}/{module}.md is missing: every library module has a catalog with a landing page")
        continue
    shutil.copytree(catalog, os.path.join(out, "catalogs", module + ".docc"))
    for page in glob.glob(os.path.join(catalog, "**", "*.md"), recursive=True):
        for guide in re.findall(r"<doc:([A-Za-z0-9_-]+)>", open(page).read()):
            if guide in guides and owner.setdefault(guide, module) != module:
                problems.append(f"Documentation/{guide}.md is linked from {owner[guide]} and {module}: "
                                f"link it as <doc:{guide}> from one catalog, as <doc:/{owner[guide]}/{guide}> from the others")
for guide in sorted(guides - owner.keys()):
    problems.append(f"Documentation/{guide}.md is in no catalog: link it as <doc:{guide}> from the landing page that fits")
if problems:
    print("\n".join(problems)); sys.exit(1)

# An article takes its page from its file name; a guide named like one of its module's types
# (DirectoryService, Preview) is staged as <Name>Guide so that both keep their page.
def top_level(module):
    graph = json.load(open(os.path.join(out, "symbol-graphs", module, module + ".symbols.json")))
    return {symbol["pathComponents"][0] for symbol in graph["symbols"]}
symbols = {module: top_level(module) for module in modules}
staged = {guide: guide + "Guide" if guide in symbols[module] else guide for guide, module in owner.items()}

# A page links into its own archive and those of the modules its module depends on.
direct = {line.split()[0]: line.split()[1:] for line in open(os.path.join(out, "modules.txt"))}
def reachable(module):
    return {module}.union(*(reachable(d) for d in direct[module]))

def doc_link(name, module):
    """The DocC link to guide `name` from a page of `module`, or None where it cannot resolve."""
    if owner[name] not in reachable(module): return None
    return f"doc:{'' if owner[name] == module else '/' + owner[name] + '/'}{staged[name]}"

def docc_anchor(name, anchor):
    """DocC's anchor for the heading of guide `name` whose GitHub anchor is `anchor`."""
    def slug(heading):
        return re.sub(r"\s", "-", re.sub(r"[^\w\s-]", "", heading.strip()))
    for heading in re.findall(r"^#+\s+(.+)$", open(os.path.join("Documentation", name + ".md")).read(), re.M):
        if slug(heading).lower() == anchor: return slug(heading)
    return anchor

def rewrite_guide(guide, text):
    def link(match):
        title, target = match.group(1), match.group(2)
        if re.match(r"[a-z]+:|#", target): return match.group(0)
        path, _, anchor = target.partition("#")
        name = path[:-3] if path.endswith(".md") and "/" not in path else None
        if name in owner and doc_link(name, owner[guide]):
            # Another archive's link files know its pages, not their headings: such a link goes to the page.
            local = anchor and owner[name] == owner[guide]
            return f"[{title}]({doc_link(name, owner[guide])}{'#' + docc_anchor(name, anchor) if local else ''})"
        # A guide of a module this one does not depend on, or anything else in the repository (a
        # schema, a script), is named by its path.
        return f"{title} (`{os.path.normpath(os.path.join('Documentation', path))}`)"
    return re.sub(r"(?<!!)\[([^\]]+)\]\(([^)\s]+)\)", link, text)

# Links to another module's symbols name it, ``DirectorySync/IdentityStore``, as in a combined
# build; an archive resolves them against its dependencies only in the absolute form.
def absolute_links(module, text):
    others = "|".join(sorted(reachable(module) - {module}, key=len, reverse=True))
    return re.sub(rf"``({others})/", r"``/\1/", text) if others else text

for module in modules:
    for path in glob.glob(os.path.join(out, "symbol-graphs", module, "*.symbols.json")):
        graph = json.load(open(path))
        for symbol in graph["symbols"]:
            for line in (symbol.get("docComment") or {}).get("lines", []):
                line["text"] = absolute_links(module, line["text"])
        json.dump(graph, open(path, "w"))
    for page in glob.glob(os.path.join(out, "catalogs", module + ".docc", "**", "*.md"), recursive=True):
        text = absolute_links(module, open(page).read())
        text = re.sub(r"<doc:(/[A-Za-z0-9_]+/)?([A-Za-z0-9_-]+)>",
                      lambda m: f"<{doc_link(m.group(2), module) or m.group(0)[1:-1]}>" if m.group(2) in owner else m.group(0), text)
        open(page, "w").write(text)
for guide, module in sorted(owner.items()):
    with open(os.path.join(out, "catalogs", module + ".docc", staged[guide] + ".md"), "w") as f:
        f.write(rewrite_guide(guide, open(os.path.join("Documentation", guide + ".md")).read()))
    print(f"Documentation/{guide}.md → {module}/{staged[guide]}")
PY

echo "== archives (warnings are errors) =="
failed=0
while read -r module deps; do
    dependencies=()
    for dep in $deps; do dependencies+=(--dependency "$out/$dep.doccarchive"); done
    # Links to another module's symbols and guides resolve against the archives of the modules this
    # one depends on.
    if ! "$docc" convert "$out/catalogs/$module.docc" --additional-symbol-graph-dir "$out/symbol-graphs/$module" \
        --fallback-display-name "$module" --fallback-bundle-identifier "$module" \
        --output-path "$out/$module.doccarchive" --warnings-as-errors --enable-experimental-external-link-support \
        ${dependencies[@]+"${dependencies[@]}"} > "$out/$module.log" 2>&1; then
        sed "s|$PWD/||g" "$out/$module.log" | grep -v "^Finished building\|^Generated documentation" || true
        echo "$module: FAILED (full log: $out/$module.log; a link to another module's symbol names the module: \`\`DirectorySync/IdentityStore\`\`)"
        failed=1
    else
        echo "$module: $out/$module.doccarchive"
    fi
done < "$out/modules.txt"
if [[ $failed == 0 ]]; then
    # shellcheck disable=SC2046
    "$docc" merge $(cut -d' ' -f1 "$out/modules.txt" | sed "s|.*|$out/&.doccarchive|") \
        --synthesized-landing-page-name DirectorySync --output-path "$out/DirectorySync-combined.doccarchive" > "$out/merge.log" 2>&1 \
        || { cat "$out/merge.log"; failed=1; }
    [[ $failed == 0 ]] && echo "combined: $out/DirectorySync-combined.doccarchive"
fi

echo "== coverage of public symbols =="
python3 - "$out" <<'PY' || failed=1
import glob, json, os, sys
out = sys.argv[1]
modules = [line.split()[0] for line in open(os.path.join(out, "modules.txt"))]
def has_text(doc):
    return bool(doc) and any(line.get("text", "").strip() for line in doc.get("lines", []))
undocumented = 0
for module in modules:
    own = inherited = 0
    missing, seen = [], set()
    for path in sorted(glob.glob(os.path.join(out, "symbol-graphs", module, "*.symbols.json"))):
        for symbol in json.load(open(path))["symbols"]:
            identifier = symbol["identifier"]["precise"]
            location = symbol.get("location")
            if symbol["accessLevel"] not in ("public", "open") or identifier in seen: continue
            seen.add(identifier)
            if location is None or "::SYNTHESIZED::" in identifier: continue
            doc = symbol.get("docComment")
            if not has_text(doc):
                file = os.path.relpath(location["uri"].removeprefix("file://"))
                missing.append((file, location["position"]["line"] + 1, symbol["kind"]["displayName"].lower(), "/".join(symbol["pathComponents"])))
            elif doc.get("uri", location["uri"]) == location["uri"]:
                own += 1
            else:
                inherited += 1
    counted = own + inherited + len(missing)
    percent = 100.0 * (own + inherited) / counted if counted else 100.0
    print(f"{module:24} {own + inherited:5} of {counted:5} public symbols documented ({percent:5.1f}%), {inherited} by the requirement they implement")
    for file, line, kind, name in sorted(missing):
        print(f"    {file}:{line}: undocumented {kind} {name}")
    undocumented += len(missing)
if undocumented:
    print(f"{undocumented} public symbols have no doc comment")
    sys.exit(1)
PY

echo "docs: $(( $(date +%s) - started ))s"
if [[ $failed != 0 ]]; then echo "docs: FAILED"; exit 1; fi
