#!/usr/bin/env bash
# Parse-check every PowerShell script under winpe/ (there is no PowerShell on Debian):
# tree-sitter's PowerShell grammar from the Python package index, in a venv under target/.
# Fails on any syntax error (ERROR or MISSING node). Usage: winpe/check-powershell.sh [files]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/target/ps-venv"
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import tree_sitter, tree_sitter_powershell' 2>/dev/null; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check 'tree-sitter>=0.23' 'tree-sitter-powershell>=0.25'
fi
if [ $# -eq 0 ]; then set -- "$ROOT"/winpe/*.ps1; fi
"$VENV/bin/python" - "$@" <<'PY'
import sys
import tree_sitter, tree_sitter_powershell
parser = tree_sitter.Parser(tree_sitter.Language(tree_sitter_powershell.language()))
bad = 0
for path in sys.argv[1:]:
    src = open(path, "rb").read()
    tree = parser.parse(src)
    errors = []
    stack = [tree.root_node]
    while stack:
        n = stack.pop()
        if n.is_error or n.is_missing:
            line = src.splitlines()[n.start_point[0]].decode("utf-8", "replace").strip() if src else ""
            kind = "missing " + n.type if n.is_missing else "syntax error"
            errors.append(f"{path}:{n.start_point[0] + 1}:{n.start_point[1] + 1}: {kind}: {line}")
        elif n.has_error:
            stack.extend(n.children)
    if errors:
        bad += 1
        print("\n".join(sorted(set(errors))), file=sys.stderr)
    else:
        print(f"check-powershell: {path}: ok")
sys.exit(1 if bad else 0)
PY
