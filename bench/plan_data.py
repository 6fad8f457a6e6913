"""Synthetic, reproducible plans and text for the benchmarks: an acyclic task graph and Zipf-distributed words."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass

# Words a plan is written in; the rest of the vocabulary is made-up syllables so the frequencies follow Zipf.
DOMAIN_WORDS = (
    "checkout",
    "payment",
    "invoice",
    "refund",
    "cart",
    "login",
    "session",
    "token",
    "schema",
    "migration",
    "index",
    "cache",
    "queue",
    "worker",
    "deploy",
    "release",
    "rollback",
    "metric",
    "alert",
    "dashboard",
    "search",
    "export",
    "import",
    "report",
    "audit",
    "review",
    "design",
    "spec",
    "test",
    "fixture",
    "latency",
    "timeout",
    "retry",
    "webhook",
    "email",
    "notify",
    "profile",
    "avatar",
    "billing",
    "coupon",
    "discount",
    "shipping",
    "address",
    "tax",
    "currency",
)
_SYLLABLES = ("ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "ze", "pa", "qu", "do", "fe", "gi", "ho", "ju")


def vocabulary(size: int = 6000, seed: int = 11) -> list[str]:
    rng = random.Random(seed)
    words = list(DOMAIN_WORDS)
    seen = set(words)
    while len(words) < size:
        w = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4)))
        if w not in seen:
            seen.add(w)
            words.append(w)
    return words


class TextMaker:
    """Sentences whose word frequencies follow Zipf's law, like real prose: a few words everywhere, most rare."""

    def __init__(self, seed: int = 5, size: int = 6000):
        self.rng = random.Random(seed)
        self.words = vocabulary(size)
        self.weights = [1 / (rank + 1) for rank in range(len(self.words))]

    def words_of(self, count: int) -> list[str]:
        return self.rng.choices(self.words, weights=self.weights, k=count)

    def sentence(self, low: int, high: int) -> str:
        return " ".join(self.words_of(self.rng.randint(low, high)))


@dataclass
class Plan:
    """Tasks by index and dependency edges (from_index, to_index, label) that never close a cycle."""

    tasks: list[dict]
    edges: list[tuple[int, int, str]]


def random_plan(n_tasks: int, n_edges: int, *, seed: int = 7) -> Plan:
    rng = random.Random(seed)
    text = TextMaker(seed)
    priorities = ("urgent", "high", "medium", "low", None)
    tasks = []
    for i in range(n_tasks):
        progress = i / max(1, n_tasks - 1)  # early tasks are more likely finished, as in a real plan
        roll = rng.random()
        if roll < 0.75 * (1 - progress):
            status = "done"
        elif roll < 0.75 * (1 - progress) + 0.05:
            status = "in_progress"
        else:
            status = rng.choices(("todo", "scope", "backlog"), weights=(6, 2, 1))[0]
        tasks.append(
            {
                "label": f"T{i} " + text.sentence(3, 7),
                "status": status,
                "priority": rng.choice(priorities),
                "description": text.sentence(10, 40),
            }
        )
    edges: set[tuple[int, int]] = set()
    out: list[tuple[int, int, str]] = []
    # Prerequisites point from a lower index to a higher one, so the graph is acyclic whatever the labels;
    # most lie close by (work items depend on their neighbours), a few reach far back.
    while len(out) < n_edges and n_tasks > 1:
        j = rng.randint(1, n_tasks - 1)
        span = rng.randint(1, 40) if rng.random() < 0.9 else rng.randint(1, j)
        i = max(0, j - span)
        if (i, j) in edges:
            continue
        edges.add((i, j))
        roll = rng.random()
        if roll < 0.6:
            out.append((i, j, "blocks"))
        elif roll < 0.9:
            out.append((j, i, "depends_on"))  # "j depends on i": the same order, read the other way round
        else:
            out.append((i, j, "relates"))
    # In the order a plan is built: a task's links to earlier tasks are drawn when it is added.
    out.sort(key=lambda e: max(e[0], e[1]))
    return Plan(tasks, out)


def search_corpus(n_rows: int, *, seed: int = 3) -> list[tuple[str, str]]:
    """(title, body) pairs for the search index."""
    text = TextMaker(seed)
    return [(text.sentence(4, 8), text.sentence(20, 60)) for _ in range(n_rows)]


def terms_by_frequency(corpus: list[tuple[str, str]]) -> dict[str, float]:
    """The share of rows each word appears in (document frequency)."""
    df: Counter[str] = Counter()
    for title, body in corpus:
        df.update(set(title.split()) | set(body.split()))
    n = len(corpus)
    return {w: c / n for w, c in df.items()}


def pick_term(df: dict[str, float], target: float) -> str:
    """The word whose document frequency lies closest to `target` (a share of rows, 0..1)."""
    return min(df, key=lambda w: (abs(df[w] - target), w))
