"""The report's figures drawn with matplotlib as inline SVG: one HTML file, no script, no network.

Needs the `ragseed[report]` extra (matplotlib). Each chart is a <figure class="chart"> with the
SVG and a one-line caption saying what good looks like.
"""

from __future__ import annotations

import html
import io
from collections.abc import Callable
from typing import Any

from ..core.errors import ConfigError

try:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.figure import Figure
    from matplotlib.ticker import NullFormatter
except ImportError:  # pragma: no cover - depends on the environment
    raise ConfigError("ragseed report needs matplotlib: pip install 'ragseed[report]'") from None

BLUE, ORANGE, GREEN, RED, GREY = "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#7f7f7f"
KIND_COLORS = {"regular": BLUE, "heavy": RED, "empty": GREY, "static": GREEN}
CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2em auto;
max-width:1100px;color:#222;padding:0 1em}
h1{font-size:1.6em;margin-bottom:.2em}
table{border-collapse:collapse;font-size:.9em}td,th{padding:.25em .6em;text-align:left;
border-bottom:1px solid #ddd;vertical-align:top}
.header td:first-child{color:#666}
figure.chart{margin:1.5em 0;padding:1em;border:1px solid #e4e4e4;border-radius:6px}
figure.chart svg{max-width:100%;height:auto}
figcaption{color:#444;font-size:.95em;margin-top:.4em}
.pass{color:#1a7f37;font-weight:600}.fail{color:#cf222e;font-weight:700}
.skip{color:#9a6700}.info{color:#0969da}
.notes li{color:#9a6700}
"""


def _svg(fig: Figure) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    plt.close(fig)
    text = buf.getvalue()
    return text[text.index("<svg") :]  # drop the XML prolog and DOCTYPE


def _empty(ax: Any, why: str) -> None:
    ax.text(0.5, 0.5, why, ha="center", va="center", transform=ax.transAxes, color=GREY)
    ax.set_xticks([])
    ax.set_yticks([])


def _ints(d: dict[Any, Any]) -> dict[int, Any]:
    return {int(k): v for k, v in d.items()}


def rows_per_table(data: dict[str, Any]) -> Figure:
    rows = data["rows_per_table"]
    fig, ax = plt.subplots(figsize=(9, 0.45 * max(len(rows), 3) + 0.8))
    names = list(rows)[::-1]
    ax.barh(names, [rows[n] for n in names], color=BLUE)
    for i, n in enumerate(names):
        ax.text(rows[n], i, f" {rows[n]:,}", va="center", fontsize=9)
    ax.set_xlabel("rows")
    ax.margins(x=0.15)
    return fig


def chunks_per_document(data: dict[str, Any]) -> Figure:
    c = data["chunks_per_document"]
    hist = _ints(c["histogram"])
    fig, ax = plt.subplots(figsize=(9, 3.6))
    if not hist:
        _empty(ax, "no document has chunks")
        return fig
    docs = sum(hist.values())
    ax.bar(list(hist), [v / docs for v in hist.values()], color=BLUE, label="measured")
    exp = _ints(c["expected_share"])
    if exp:
        ax.plot(list(exp), list(exp.values()), "o-", color=ORANGE, ms=4,
                label=f"Poisson(λ={c['lambda']}) clipped to [{c['min']}, {c['max']}]")  # fmt: skip
    ax.set_xlabel("chunks per document")
    ax.set_ylabel("share of documents")
    ax.legend(frameon=False)
    return fig


def tokens_per_chunk(data: dict[str, Any]) -> Figure:
    t = data["tokens_per_chunk"]
    hist = _ints(t.get("histogram", {}))
    fig, ax = plt.subplots(figsize=(9, 3.2))
    if not hist:
        _empty(ax, "no chunks")
        return fig
    ax.hist(list(hist), bins=min(40, len(hist)), weights=list(hist.values()), color=BLUE)
    ax.axvline(t["mean"], color=ORANGE, ls="--", label=f"mean {t['mean']}")
    ax.set_xlabel("estimated tokens per chunk")
    ax.set_ylabel("chunks")
    ax.legend(frameon=False)
    return fig


def documents(data: dict[str, Any]) -> Figure:
    d = data["documents"]
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.4))
    for ax, (title, counts) in zip(
        axes, (("status", d["by_status"]), ("content type", d["by_content_type"])), strict=False
    ):
        if counts:
            names = list(counts)
            ax.bar(range(len(names)), [counts[n] for n in names], color=BLUE)
            ax.set_xticks(range(len(names)))
            ax.set_xticklabels([n.split("/")[-1][:18] for n in names], rotation=35, ha="right",
                               fontsize=8)  # fmt: skip
        else:
            _empty(ax, "no documents")
        ax.set_title(f"by {title}", fontsize=10)
    ax = axes[2]
    langs = d["by_language"]
    if langs:
        names = list(langs)
        x = range(len(names))
        ax.bar([i - 0.2 for i in x], [langs[n]["measured"] for n in names], 0.4, color=BLUE,
               label="measured")  # fmt: skip
        ax.bar([i + 0.2 for i in x], [langs[n]["configured"] for n in names], 0.4, color=ORANGE,
               label="configured")  # fmt: skip
        ax.set_xticks(list(x))
        ax.set_xticklabels(names)
        ax.set_ylabel("share of generated documents")
        ax.legend(frameon=False, fontsize=8)
    else:
        _empty(ax, "no generated documents")
    ax.set_title("by language", fontsize=10)
    fig.tight_layout()
    return fig


def shares(data: dict[str, Any]) -> Figure:
    b, dd = data["shares"]["boilerplate"], data["shares"]["dedup"]
    fig, ax = plt.subplots(figsize=(9, 2.8))
    labels, measured, configured = [], [], []
    if b:
        labels.append("boilerplate share")
        measured.append(b.get("share", 0.0))
        configured.append(b.get("configured"))
    if dd:
        labels += ["multi-document chunks", "dedup saving"]
        measured += [dd.get("multi_document_share", 0.0), dd.get("saving", 0.0)]
        configured += [None, None]
    if not labels:
        _empty(ax, "nothing measured")
        return fig
    y = list(range(len(labels)))[::-1]
    ax.barh(y, measured, color=BLUE, label="measured")
    for yi, m, c in zip(y, measured, configured, strict=True):
        ax.text(m, yi, f" {m:.1%}", va="center", fontsize=9)
        if c is not None:
            tol = b.get("tolerance", 0.0)
            ax.axvspan(c - tol, c + tol, ymin=0, ymax=1, color=ORANGE, alpha=0.15)
            ax.plot([c, c], [yi - 0.4, yi + 0.4], color=ORANGE, lw=2, label="configured ± 2 pts")
    ax.set_yticks(y)
    ax.set_yticklabels(labels)
    ax.set_xlabel("share of document_chunks rows")
    ax.margins(x=0.15)
    ax.legend(frameon=False, fontsize=8, loc="lower right")
    return fig


def tenants(data: dict[str, Any]) -> Figure:
    hists = {k: _ints(v) for k, v in data["tenants_by_size"].items()}
    fig, ax = plt.subplots(figsize=(9, 3.4))
    if not hists:
        _empty(ax, "no tenants")
        return fig
    xs = sorted({n for h in hists.values() for n in h})
    bottom = [0] * len(xs)
    width = max(0.9, (xs[-1] - min(xs[0], 0)) / 60)  # visible however wide the range
    for kind in ("regular", "static", "heavy", "empty"):
        h = hists.get(kind)
        if not h:
            continue
        vals = [h.get(x, 0) for x in xs]
        total = sum(vals)
        ax.bar(xs, vals, bottom=bottom, color=KIND_COLORS[kind], width=width,
               label=f"{kind} ({total:,})")  # fmt: skip
        bottom = [b + v for b, v in zip(bottom, vals, strict=True)]
    ax.set_xlim(min(-width, xs[0] - width), xs[-1] + width)
    ax.set_xlabel("documents per tenant")
    if max(bottom) > 100:  # a few heavy or empty tenants stay visible beside thousands
        ax.set_yscale("log")
        ax.set_ylim(bottom=0.5)
        ax.set_ylabel("tenants (log scale)")
    else:
        ax.set_ylabel("tenants")
    ax.legend(frameon=False, fontsize=8)
    return fig


def latencies(data: dict[str, Any]) -> Figure:
    lat = data["latencies"]
    hists = lat.get("histograms", {})
    cols = ("embed_ms", "search_ms", "llm_ms")
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.2))
    for ax, col in zip(axes, cols, strict=True):
        h = _ints(hists.get(col, {}))
        ax.set_title(col, fontsize=10)
        if not h:
            _empty(ax, "no values")
            continue
        lo, hi = max(min(h), 1), max(max(h), 2)
        import numpy as np

        edges = np.geomspace(lo, hi * 1.01, 30)
        ax.hist(list(h), bins=edges, weights=list(h.values()), color=BLUE)
        ax.set_xscale("log")
        ax.xaxis.set_minor_formatter(NullFormatter())
        q = lat.get(col, {})
        for name, color in (("p50", GREEN), ("p95", ORANGE), ("p99", RED)):
            v = q.get(name)
            if v:
                ax.axvline(v, color=color, ls="--", lw=1.2, label=f"{name} {v:,} ms")
        ax.set_xlabel("ms (log scale)")
        ax.legend(frameon=False, fontsize=7)
    axes[0].set_ylabel("turns")
    fig.tight_layout()
    return fig


def tokens(data: dict[str, Any]) -> Figure:
    t = data["tokens"]
    pts = t.get("points", {})
    plaus = t.get("plausible_chars_per_token", [2.0, 8.0])
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.6))
    for ax, key, xlabel in (
        (axes[0], "prompt", "question + sources characters"),
        (axes[1], "completion", "answer characters"),
    ):
        p = pts.get(key, [])
        ax.set_title(f"{key} tokens", fontsize=10)
        if not p:
            _empty(ax, "no turns with token counts")
            continue
        xs, ys = [a for a, _ in p], [b for _, b in p]
        ax.scatter(xs, ys, s=6, alpha=0.5, color=BLUE, label=f"{len(p):,} turns")
        top = max(xs) or 1
        for cpt, style in zip(plaus, (":", "--"), strict=False):
            ax.plot([0, top], [0, top / cpt], color=GREY, ls=style, lw=1,
                    label=f"{cpt:g} chars per token")  # fmt: skip
        ax.set_xlabel(xlabel)
        ax.set_ylabel("tokens")
        ax.legend(frameon=False, fontsize=7)
    fig.tight_layout()
    return fig


def recall(data: dict[str, Any]) -> Figure:
    r = data["recall"]
    paths = r.get("paths", {})
    fig, ax = plt.subplots(figsize=(10, 3.6))
    groups = sorted({g for v in paths.values() for g in v})
    if not groups:
        _empty(ax, "not measured: keyword search needs PostgreSQL, vector recall needs --vectors")
        return fig
    colors = {"keyword": BLUE, "vector": ORANGE, "hybrid": GREEN}
    width = 0.8 / max(len(paths), 1)
    for i, (path, vals) in enumerate(paths.items()):
        xs = [g + (i - (len(paths) - 1) / 2) * width for g in range(len(groups))]
        ys = [vals.get(name) for name in groups]
        depth = r["hybrid_k"] if path == "hybrid" else r["k"] or 5
        ax.bar(
            [x for x, y in zip(xs, ys, strict=True) if y is not None],
            [y for y in ys if y is not None], width, color=colors.get(path, GREY),
            label=f"{path} @{depth}",
        )  # fmt: skip
    if r.get("hnsw_overlap") is not None:
        ax.axhline(r["hnsw_overlap"], color=RED, ls=":", label=f"HNSW vs exact {r['hnsw_overlap']}")
    ax.set_xticks(range(len(groups)))
    ax.set_xticklabels(groups)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("recall")
    ax.set_xlabel("question form / language")
    ax.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig


#: (id, title, draw, caption saying what good looks like)
CHARTS: tuple[tuple[str, str, Callable[[dict[str, Any]], Figure], str], ...] = (
    ("rows", "Rows per table", rows_per_table,
     "Good: every table the profile seeds is non-empty, in the proportions the profile asks."),
    ("chunks", "Chunks per document", chunks_per_document,
     "Good: the bars follow the orange Poisson(λ) clipped to [min, max]; spikes at the ends are "
     "the clipping."),
    ("tokens-per-chunk", "Tokens per chunk", tokens_per_chunk,
     "Good: realistic chunk sizes (tens to a few hundred tokens), none empty or runaway."),
    ("documents", "Documents by status, type and language", documents,
     "Good: mostly indexed with a few failed/pending, several content types, languages as "
     "configured."),
    ("shares", "Boilerplate and dedup shares", shares,
     "Good: the boilerplate share falls inside the orange band (configured ± 2 points)."),
    ("tenants", "Tenants by size", tenants,
     "Good: regular tenants cluster, heavy tenants (red) far right, empty tenants (grey) at 0."),
    ("latencies", "Chat latencies", latencies,
     "Good: right-skewed, embed < search < LLM, p99 within a small multiple of p50."),
    ("tokens", "Prompt and completion tokens against text length", tokens,
     "Good: points lie between the 2 and 8 characters-per-token lines."),
    ("recall", "Retrieval recall by path, question form and language", recall,
     "Good: keyword questions near 1 on the keyword path; vector and hybrid high on natural "
     "questions; HNSW close to exact."),
)  # fmt: skip


def _header(h: dict[str, Any]) -> str:
    rows = [
        ("seed", h["seed"]), ("profile", h["profile"]), ("config hash", h["config_hash"]),
        ("fingerprint", h["fingerprint"]), ("ragseed version", h["ragseed_version"]),
        ("seeded by", h["seeded_by"]), ("database", h["database"]),
        ("turns checked", f"{h['turns_checked']:,} of {h['turns_total']:,}"
         + (" (sampled)" if h["turns_checked"] < h["turns_total"] else "")),
        ("verdict", "all checks passed" if h["ok"] else "some checks failed"),
    ]  # fmt: skip
    return "".join(
        f"<tr><td>{html.escape(k)}</td><td><code>{html.escape(str(v))}</code></td></tr>"
        for k, v in rows
    )


def render(data: dict[str, Any]) -> str:
    """The whole page: inline CSS and SVG, nothing fetched."""
    import matplotlib as mpl

    h = data["header"]
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>ragseed report: seed {h['seed']}, {html.escape(h['profile'])}</title>",
        f"<style>{CSS}</style></head><body>",
        "<h1>ragseed report</h1>",
        f"<table class='header'>{_header(h)}</table>",
    ]
    if data["notes"]:
        parts.append("<h2>Sampled</h2><ul class='notes'>")
        parts += [f"<li>{html.escape(n)}</li>" for n in data["notes"]]
        parts.append("</ul>")
    with mpl.rc_context({"svg.hashsalt": "ragseed", "svg.fonttype": "none",
                         "axes.spines.top": False, "axes.spines.right": False}):  # fmt: skip
        for cid, title, draw, caption in CHARTS:
            svg = _svg(draw(data))
            parts.append(
                f"<figure class='chart' id='{cid}'><h2>{html.escape(title)}</h2>{svg}"
                f"<figcaption>{html.escape(caption)}</figcaption></figure>"
            )
    parts.append(
        "<figure class='chart' id='integrity'><h2>Checks</h2><table>"
        "<tr><th>group</th><th>check</th><th>status</th><th>figures</th></tr>"
    )
    for c in data["checks"]:
        parts.append(
            f"<tr><td>{c['group']}</td><td>{html.escape(c['name'])}</td>"
            f"<td class='{c['status']}'>{c['status']}</td><td>{html.escape(c['summary'])}</td></tr>"
        )
    parts.append(
        "</table><figcaption>Good: every integrity check passes; realism and retrieval checks "
        "pass or are informational.</figcaption></figure></body></html>\n"
    )
    return "".join(parts)
