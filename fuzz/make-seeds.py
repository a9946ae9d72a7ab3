#!/usr/bin/env python3
"""Writes the fuzz seed corpus in fuzz/seeds/: the repository's fixtures
(tests/fixtures/*.heapsnapshot.gz) cut down to the first K nodes reached from
the root (edges to other nodes dropped, strings renumbered: small, valid
snapshots with the real meta), a hand-made tiny snapshot with escapes and
locations, and gzip/zstd framings of one of them. Run it from anywhere;
the full fixtures are added by run.sh, decompressed, at run time."""

import gzip
import json
import os
import shutil
import subprocess
from collections import deque

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "tests", "fixtures")
SEEDS = os.path.join(HERE, "seeds")

TINY = (
    '{"snapshot":{"meta":{"node_fields":["type","name","id","self_size","edge_count",'
    '"trace_node_id","detachedness"],"node_types":[["hidden","array","string","object",'
    '"code","closure","regexp","number","native","synthetic","concatenated string",'
    '"sliced string","symbol","bigint","object shape"],"string","number","number","number",'
    '"number","number"],"edge_fields":["type","name_or_index","to_node"],"edge_types":'
    '[["context","element","property","internal","hidden","shortcut","weak"],'
    '"string_or_number","node"],"location_fields":["object_index","script_id","line","column"]},'
    '"node_count":3,"edge_count":2,"trace_function_count":0},\n'
    '"nodes":[9,0,1,0,2,0,0\n,3,1,3,40,0,0,0\n,2,2,5,16,0,0,1],\n'
    '"edges":[1,0,7,2,1,14],\n"trace_function_infos":[],"trace_tree":[],"samples":[],\n'
    '"locations":[7,3,10,4],\n'
    '"strings":["<dummy>","Foo\\u00e9\\t\\"x\\"","\\uD83D\\uDE00 pair, lone \\uD800 end"]}'
)


def shrink(snap, keep, also=None):
    """The first `keep` nodes in breadth-first order from the root (and
    from node `also`, for a part of the heap away from the roots)."""
    meta = snap["snapshot"]["meta"]
    nf, ef = len(meta["node_fields"]), len(meta["edge_fields"])
    f_edges = meta["node_fields"].index("edge_count")
    f_name = meta["node_fields"].index("name")
    e_type = meta["edge_fields"].index("type")
    e_name = meta["edge_fields"].index("name_or_index")
    e_to = meta["edge_fields"].index("to_node")
    edge_types = meta["edge_types"][e_type]
    nodes, edges = snap["nodes"], snap["edges"]
    n = len(nodes) // nf
    first, at = [], 0
    for i in range(n):
        first.append(at)
        at += nodes[i * nf + f_edges]
    starts = [0] if also is None else [0, also % n]
    order, seen, queue = [], set(starts), deque(starts)
    while queue and len(order) < keep:
        v = queue.popleft()
        order.append(v)
        for k in range(first[v], first[v] + nodes[v * nf + f_edges]):
            w = edges[k * ef + e_to] // nf
            if w not in seen:
                seen.add(w)
                queue.append(w)
    new_of = {v: i for i, v in enumerate(order)}
    strings, string_of = [], {}

    def string(i):
        if i not in string_of:
            string_of[i] = len(strings)
            strings.append(snap["strings"][i])
        return string_of[i]

    out_nodes, out_edges = [], []
    for v in order:
        record = nodes[v * nf:(v + 1) * nf]
        record[f_name] = string(record[f_name])
        kept = []
        for k in range(first[v], first[v] + nodes[v * nf + f_edges]):
            e = edges[k * ef:(k + 1) * ef]
            w = e[e_to] // nf
            if w not in new_of:
                continue
            e[e_to] = new_of[w] * nf
            if edge_types[e[e_type]] not in ("element", "hidden"):
                e[e_name] = string(e[e_name])
            kept.extend(e)
        record[f_edges] = len(kept) // ef
        out_nodes.extend(record)
        out_edges.extend(kept)
    lf = len(meta.get("location_fields", [])) or 4
    locations = snap.get("locations", [])
    out_locations = []
    for k in range(0, len(locations), lf):
        loc = locations[k:k + lf]
        if loc[0] // nf in new_of:
            loc[0] = new_of[loc[0] // nf] * nf
            out_locations.extend(loc)
    header = dict(snap["snapshot"], node_count=len(order), edge_count=len(out_edges) // ef)
    header["trace_function_count"] = 0

    def numbers(values, width):
        rows = [",".join(map(str, values[i:i + width])) for i in range(0, len(values), width)]
        return "[" + "\n,".join(rows) + "]"

    return (
        '{"snapshot":' + json.dumps(header, separators=(",", ":")) + ",\n"
        + '"nodes":' + numbers(out_nodes, nf) + ",\n"
        + '"edges":' + numbers(out_edges, ef) + ",\n"
        + '"trace_function_infos":[],\n"trace_tree":[],\n"samples":[],\n'
        + '"locations":' + numbers(out_locations, lf) + ",\n"
        + '"strings":[' + ",\n".join(json.dumps(s) for s in strings) + "]}\n"
    )


def main():
    if os.path.isdir(SEEDS):
        shutil.rmtree(SEEDS)
    os.makedirs(SEEDS)

    def write(name, text):
        with open(os.path.join(SEEDS, name), "wb") as f:
            f.write(text if isinstance(text, bytes) else text.encode())

    write("tiny.heapsnapshot", TINY)
    written = set()
    for fixture in sorted(os.listdir(FIXTURES)):
        if not fixture.endswith(".heapsnapshot.gz"):
            continue
        with gzip.open(os.path.join(FIXTURES, fixture)) as f:
            snap = json.load(f)
        base = fixture[: -len(".heapsnapshot.gz")]
        n = snap["snapshot"]["node_count"]
        for keep in (12, 60, 400):
            text = shrink(snap, keep)
            if text not in written:
                written.add(text)
                write(f"{base}-{keep}.heapsnapshot", text)
        for keep in (40, 300):
            write(f"{base}-middle-{keep}.heapsnapshot", shrink(snap, keep, also=n // 2 + keep))
    small = os.path.join(SEEDS, "small-a-60.heapsnapshot")
    with open(small, "rb") as f:
        text = f.read()
    write("small-a-60.heapsnapshot.gz", gzip.compress(text, mtime=0))
    if shutil.which("zstd"):
        zst = subprocess.run(["zstd", "-q", "-c", small], check=True, capture_output=True)
        write("small-a-60.heapsnapshot.zst", zst.stdout)


if __name__ == "__main__":
    main()
