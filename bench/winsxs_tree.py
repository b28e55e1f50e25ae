#!/usr/bin/env python3
"""Fill DIR with N files shaped like WinSxS (directories of 1,000 manifests, 40 to 400
bytes each): the many-file image the extract and check benchmarks read one path out of.

usage: winsxs_tree.py DIR N
"""
import os
import sys

root, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    d = os.path.join(root, "Windows", "WinSxS", "amd64_component_%03d_31bf3856ad364e35" % (i // 1000))
    if i % 1000 == 0:
        os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "file%06d.manifest" % i), "w") as f:
        f.write(("<assembly id=\"%d\">component %d</assembly>\n" % (i, i)) * (1 + i % 9))
