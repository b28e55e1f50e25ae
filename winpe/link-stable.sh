#!/usr/bin/env bash
# Linker wrapper for winpe/build-exe.sh: runs x86_64-w64-mingw32-gcc with rustc's object
# files and rlibs given through symlinks in a fresh directory under /tmp.
#
# Why: GNU ld orders the PE import tables by the path names of its input files, so the
# import directory of the exe would depend on where the sources were checked out (a
# target dir under /home sorts before mingw's libraries in /usr, one under /work after
# them). Under /tmp, rustc's inputs always sort before /usr, wherever the checkout is.
set -euo pipefail
dir="$(mktemp -d /tmp/oemgate-link.XXXXXXXX)"
trap 'rm -rf "$dir"' EXIT
args=()
n=0
for a in "$@"; do
  case "$a" in
    /*.o|/*.rlib|/*.a)
      if [ -f "$a" ] && [[ "$a" != /usr/* ]]; then
        n=$((n + 1))
        link="$dir/$(printf '%04d' "$n")-$(basename "$a")"
        ln -s "$a" "$link"
        a="$link"
      fi
      ;;
  esac
  args+=("$a")
done
exec_status=0
x86_64-w64-mingw32-gcc "${args[@]}" || exec_status=$?
exit $exec_status
