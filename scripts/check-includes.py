#!/usr/bin/env python3
"""check-includes.py: proves that no #include cycle exists anywhere in the tree (issue 16).

Three graphs are built from every tracked-looking C file (*.c, *.h) under the source folder
(build folders and hidden folders are skipped):
  * folders: folder A -> folder B when a file of A includes a file of B (common/ -> ... ;
    tests/integration -> tests/unit);
  * files: header or source -> the file it includes (a header cycle is a file cycle);
  * components (--components): a .c and its .h are one component (server/site/srv_site.{c,h}),
    A -> B when either file of A includes B's header. This is where server/'s knots showed
    (srv_site <-> srv_mhd ...) until issue 16 removed them; `make test` requires it.
An #include "x" is resolved against the including file's folder, then the source root;
one that resolves to no file of the tree (a system or third-party header) is not an edge.
Prints every cycle found, one per line, and exits 1 when a required graph has one.
Usage: check-includes.py [--components] SOURCE_DIR"""
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
SKIP_DIRS = {"node_modules"}


def c_files(root):
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and not d.startswith("build")
                         and d not in SKIP_DIRS)
        for name in sorted(files):
            if name.endswith((".c", ".h")):
                yield os.path.relpath(os.path.join(folder, name), root)


def includes(root, rel):
    with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as f:
        text = f.read()
    for target in INCLUDE.findall(text):
        for base in (os.path.dirname(rel), ""):
            candidate = os.path.normpath(os.path.join(base, target))
            if os.path.isfile(os.path.join(root, candidate)):
                yield candidate
                break


def cycles(graph):
    """The strongly connected components with more than one node, or with a self edge
    (Tarjan's algorithm, iterative so that deep chains cannot overflow the stack)."""
    index, low, on_stack, stack, found = {}, {}, set(), [], []
    counter = [0]
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter[0]
        counter[0] += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in graph:
                    continue
                if child not in index:
                    index[child] = low[child] = counter[0]
                    counter[0] += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or node in graph[node]:
                    found.append(sorted(component))
    return found


def main(argv):
    want_components = "--components" in argv
    args = [a for a in argv if a != "--components"]
    if len(args) != 1:
        print(__doc__.rsplit("Usage: ", 1)[1].strip(), file=sys.stderr)
        return 2
    root = args[0]
    files = {}
    for rel in c_files(root):
        files[rel] = set(includes(root, rel))
    if not files:
        print(f"check-includes: no C files under {root}", file=sys.stderr)
        return 2

    folder_graph = {}
    for rel, targets in files.items():
        src = os.path.dirname(rel)
        folder_graph.setdefault(src, set())
        for t in targets:
            folder_graph.setdefault(os.path.dirname(t), set())
            if os.path.dirname(t) != src:
                folder_graph[src].add(os.path.dirname(t))

    def component(rel):
        return os.path.splitext(rel)[0]
    comp_graph = {}
    for rel, targets in files.items():
        comp_graph.setdefault(component(rel), set())
        for t in targets:
            comp_graph.setdefault(component(t), set())
            if component(t) != component(rel):
                comp_graph[component(rel)].add(component(t))

    failed = False
    checks = [("folder", folder_graph, True), ("file", files, True),
              ("component", comp_graph, want_components)]
    for name, graph, required in checks:
        found = cycles(graph)
        for cycle in found:
            print(f"{name} cycle{'' if required else ' (not yet required)'}: "
                  + " <-> ".join(cycle))
        failed = failed or (required and bool(found))
        print(f"check-includes: {len(graph)} {name}s, {len(found)} cycles"
              + ("" if required else " (reported only; --components requires none)"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
