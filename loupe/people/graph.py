"""Who wrote to whom: a weighted, directed graph of persons, and its exports.

Nodes are persons and lists (addresses already grouped by
:mod:`loupe.people.identities`), so a person's three addresses are one
node. An edge A -> B counts the messages A sent with B among the
recipients, split by role (to, cc and, on request, bcc: blind copies are
left out by default because the recipients did not see each other), with
the first and last date. Exports are what reporters' tools read: GraphML
and GEXF for Gephi, CSV for spreadsheets, PNG for a glance.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from pathlib import Path

import networkx as nx

#: The PNG shows at most this many persons (the most connected): beyond it a picture is a hairball.
PICTURE_NODES = 60


def build_graph(
    edges: Iterable[tuple[str, str, str, str, int]],
    owners: Mapping[str, tuple[int, str, str]],
) -> nx.DiGraph:
    """(sender email, recipient email, role, date, count) rows -> a person graph.

    ``owners`` maps an email to (person number, name, kind); an address not
    there (not yet grouped) is a node of its own.
    """
    graph = nx.DiGraph()
    for sender, recipient, role, date, count in edges:
        a, b = _node(graph, sender, owners), _node(graph, recipient, owners)
        if a == b:
            continue
        if not graph.has_edge(a, b):
            graph.add_edge(a, b, weight=0, to=0, cc=0, bcc=0, first="", last="")
        data = graph.edges[a, b]
        data["weight"] += count
        data[role] = data.get(role, 0) + count
        day = date[:10]
        if day:
            data["first"] = min(data["first"] or day, day)
            data["last"] = max(data["last"], day)
    for node in graph.nodes:
        graph.nodes[node]["sent"] = sum(d["weight"] for *_, d in graph.out_edges(node, data=True))
        graph.nodes[node]["received"] = sum(d["weight"] for *_, d in graph.in_edges(node, data=True))
    return graph


def _node(graph: nx.DiGraph, email: str, owners: Mapping[str, tuple[int, str, str]]) -> str:
    number, name, kind = owners.get(email, (0, email, "person"))
    key = f"p{number}" if number else email
    if key not in graph:
        graph.add_node(key, label=name, kind=kind, emails=email)
    elif email not in graph.nodes[key]["emails"].split(" "):
        graph.nodes[key]["emails"] += " " + email
    return key


def ego_graph(graph: nx.DiGraph, center: str, radius: int = 1) -> nx.DiGraph:
    """The person, everyone within ``radius`` steps (either direction), and the edges among them."""
    if center not in graph:
        return nx.DiGraph()
    sub: nx.DiGraph = nx.ego_graph(graph, center, radius=radius, undirected=True)
    return sub


def write_graphml(graph: nx.DiGraph, path: Path) -> None:
    nx.write_graphml(graph, str(path))


def write_gexf(graph: nx.DiGraph, path: Path) -> None:
    nx.write_gexf(graph, str(path))


def write_edges_csv(graph: nx.DiGraph, path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(
            ["source", "source_name", "target", "target_name", "weight", "to", "cc", "bcc", "first", "last"]
        )
        for a, b, d in sorted(graph.edges(data=True), key=lambda e: -e[2]["weight"]):
            writer.writerow(
                [
                    graph.nodes[a]["emails"],
                    graph.nodes[a]["label"],
                    graph.nodes[b]["emails"],
                    graph.nodes[b]["label"],
                    d["weight"],
                    d["to"],
                    d["cc"],
                    d["bcc"],
                    d["first"],
                    d["last"],
                ]
            )


def write_png(graph: nx.DiGraph, path: Path, title: str) -> None:
    """A quick picture of the most connected persons; lists drawn as squares."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ranked = sorted(graph.nodes, key=lambda n: -(graph.nodes[n]["sent"] + graph.nodes[n]["received"]))
    shown = graph.subgraph(ranked[:PICTURE_NODES])
    figure, axes = plt.subplots(figsize=(11, 8))
    positions = nx.spring_layout(shown, seed=7, weight="weight")
    weights = [d["weight"] for *_, d in shown.edges(data=True)]
    top = max(weights, default=1)
    nx.draw_networkx_edges(
        shown, positions, ax=axes, width=[0.5 + 3 * w / top for w in weights], alpha=0.4, arrowsize=8
    )
    for kind, shape in (("person", "o"), ("list", "s")):
        nodes = [n for n in shown.nodes if shown.nodes[n]["kind"] == kind]
        sizes = [60 + 8 * (shown.nodes[n]["sent"] + shown.nodes[n]["received"]) ** 0.5 for n in nodes]
        nx.draw_networkx_nodes(shown, positions, nodelist=nodes, node_size=sizes, node_shape=shape, ax=axes)
    nx.draw_networkx_labels(shown, positions, {n: shown.nodes[n]["label"][:24] for n in shown.nodes}, font_size=7)
    more = f" (the {PICTURE_NODES} most connected of {graph.number_of_nodes()})" if len(ranked) > PICTURE_NODES else ""
    axes.set_title(f"{title}{more}")
    axes.axis("off")
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
