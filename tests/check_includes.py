#!/usr/bin/python3
"""check_includes.py ROOT - the include rules of station/ (docs/hacking.md).

Reads every `#include "..."` line of ROOT/**/*.c and *.h, resolves it
(relative to the including file first, then to ROOT, as -Istation does)
and checks:
  1. no cycle between folders: the graph "folder A includes a header of
     folder B" (folders are ROOT's top-level directories; fixture/proto
     belongs to fixture) has no cycle;
  2. nothing outside ROOT/sim/ includes a header under ROOT/sim/ (the
     simulator reaches the station only through the fixture driver and
     audio back-end tables);
  3. every quoted include resolves to a file.
Prints one line per problem (file:line: ...) and exits 1 on any, else
prints the folder graph and exits 0.
"""
import os
import re
import sys

INC = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def folder(root, path):
    rel = os.path.relpath(path, root)
    parts = rel.split(os.sep)
    return parts[0] if len(parts) > 1 else "."


def resolve(root, src, name):
    for base in (os.path.dirname(src), root):
        p = os.path.normpath(os.path.join(base, name))
        if os.path.isfile(p):
            return p
    return None


def find_cycles(edges):
    """Strongly connected components with more than one folder (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def main():
    root = os.path.normpath(sys.argv[1] if len(sys.argv) > 1 else "station")
    sim = os.path.join(root, "sim")
    edges, why, problems = {}, {}, []
    for dirpath, _, files in sorted(os.walk(root)):
        for f in sorted(files):
            if not f.endswith((".c", ".h")):
                continue
            src = os.path.join(dirpath, f)
            with open(src, encoding="utf-8", errors="replace") as fh:
                for n, line in enumerate(fh, 1):
                    m = INC.match(line)
                    if not m:
                        continue
                    target = resolve(root, src, m.group(1))
                    if not target:
                        problems.append(f"{src}:{n}: #include \"{m.group(1)}\" resolves to no file")
                        continue
                    a, b = folder(root, src), folder(root, target)
                    in_sim = os.path.commonpath([sim, src]) == sim
                    if not in_sim and os.path.commonpath([sim, target]) == sim:
                        problems.append(f"{src}:{n}: includes simulator header {target} "
                                        "(only station/sim/ may)")
                    if a != b:
                        edges.setdefault(a, set()).add(b)
                        why.setdefault((a, b), f"{src}:{n}")
    for comp in find_cycles(edges):
        detail = "; ".join(f"{a}->{b} at {why[(a, b)]}" for a in comp for b in comp
                           if (a, b) in why)
        problems.append(f"include cycle between folders {', '.join(comp)}: {detail}")
    for p in problems:
        print(p)
    if problems:
        return 1
    for a in sorted(edges):
        print(f"{a} -> {' '.join(sorted(edges[a]))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
