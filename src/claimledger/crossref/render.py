"""Claim clusters as a terminal table or a self-contained, escaped HTML page."""

from __future__ import annotations

import html
import os
from typing import Any

_CSS = """body{font:15px/1.45 system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;color:#222}
h1{font-size:1.4rem}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;
padding:.35rem .5rem;text-align:left;vertical-align:top}.status{color:#555;font-size:.9rem}
.supports{color:#176b2c}.refutes{color:#a11}.questions{color:#8a5a00}.reports{color:#444}
.small{font-size:.85rem;color:#666}"""


def _pct_fams(names: list[str]) -> str:
    return ", ".join(names) if names else "-"


def clusters_table(clusters: list[dict[str, Any]], *, width: int | None = None) -> str:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=width or 120, record=True, file=open(os.devnull, "w"), color_system=None)
    if not clusters:
        console.print("no claim clusters (ingest articles, then `claimledger cluster --db ...`)")
        return console.export_text()
    t = Table(show_lines=True)
    t.add_column("id", no_wrap=True)
    t.add_column("claim, and what it rests on", ratio=4, overflow="fold")
    t.add_column("articles", justify="right")
    t.add_column("outlets", justify="right")
    t.add_column("first seen", ratio=1, overflow="fold")
    for c in clusters:
        first = c["first_seen"]
        t.add_row(
            c["cluster_id"], c["claim"] + "\n" + c["status"], str(c["n_articles"]),
            str(c["n_outlets"]), f"{first['outlet'] or '?'} {first['published'] or ''}".strip(),
        )
    console.print(t)
    return console.export_text()


def cluster_table(c: dict[str, Any], *, width: int | None = None) -> str:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=width or 120, record=True, file=open(os.devnull, "w"), color_system=None)
    console.print(f"{c['cluster_id']}: {c['claim']}", markup=False, highlight=False)
    console.print(c["status"], markup=False, highlight=False)
    console.print(f"claimant: {c['claimant_family'] or '-'}; independent families for: "
                  f"{c['independent_for']}; evidence cited: {len(c['evidence_cited'])}, "
                  f"said missing: {len(c['evidence_missing'])}", markup=False, highlight=False)
    t = Table(show_lines=True)
    for col in ("outlet", "date", "article stance", "source", "family", "source stance", "text"):
        t.add_column(col, overflow="fold")
    for m in c["members"]:
        src = m["source_name"] or "(own voice)"
        if m["duplicate_of"]:
            src += f" [copy of {m['duplicate_of'][:8]}]"
        t.add_row(m["outlet"] or "?", m["published"] or "", m["stance"], f"{src} ({m['source_type']})",
                  m["family"] or "-", f"{m['source_stance']} {m['stance_score']:.2f}", m["text"])
    console.print(t)
    return console.export_text()


def _page(title: str, body: str) -> str:
    e = html.escape
    return (f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
            f"style-src 'unsafe-inline'\"><title>{e(title)}</title><style>{_CSS}</style></head>"
            f"<body>{body}</body></html>\n")


def clusters_html(clusters: list[dict[str, Any]]) -> str:
    e = html.escape
    rows = "".join(
        f"<tr><td><b>{e(c['claim'])}</b><div class=\"status\">{e(c['status'])}</div>"
        f"<div class=\"small\">{e(c['cluster_id'])}</div></td><td>{c['n_articles']}</td>"
        f"<td>{c['n_outlets']}</td><td>{e(_pct_fams(c['families_for']))}</td>"
        f"<td>{e(_pct_fams(c['families_against']))}</td></tr>"
        for c in clusters
    )
    body = ("<h1>Claim clusters</h1><table><tr><th>claim</th><th>articles</th><th>outlets</th>"
            f"<th>families for</th><th>families against</th></tr>{rows}</table>")
    return _page("Claim clusters", body)


def cluster_html(c: dict[str, Any]) -> str:
    e = html.escape
    rows = "".join(
        f"<tr><td>{e(m['outlet'] or '?')}<div class=\"small\">{e(m['published'] or '')}</div></td>"
        f"<td class=\"{e(m['stance'])}\">{e(m['stance'])}</td>"
        f"<td>{e(m['source_name'] or '(own voice)')}<div class=\"small\">{e(m['source_type'])}"
        f"{' · copy' if m['duplicate_of'] else ''}</div></td><td>{e(m['family'] or '-')}</td>"
        f"<td class=\"{e(m['source_stance'] or '')}\">{e(m['source_stance'] or '')}</td>"
        f"<td>{e(m['text'])}</td></tr>"
        for m in c["members"]
    )
    ev = "".join(f"<li>cited: {e(x)}</li>" for x in c["evidence_cited"]) + "".join(
        f"<li>missing: {e(x)}</li>" for x in c["evidence_missing"])
    body = (f"<h1>{e(c['claim'])}</h1><p class=\"status\">{e(c['status'])}</p>"
            f"<p>Claimant family: {e(c['claimant_family'] or '-')}; independent families for: "
            f"{c['independent_for']}</p><ul>{ev}</ul><table><tr><th>outlet</th><th>article</th>"
            f"<th>source</th><th>family</th><th>source stance</th><th>text</th></tr>{rows}</table>")
    return _page(c["claim"][:80], body)


def check_table(results: list[dict[str, Any]], *, width: int | None = None) -> str:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=width or 120, record=True, file=open(os.devnull, "w"), color_system=None)
    for r in results:
        head = f"Claim: {r['claim']}"
        if r["proposition"].rstrip(".").lower() != r["claim"].rstrip(".").lower():
            head += f"\n  read as: {r['proposition']}" + (" (stances are towards this, turned "
                                                          "round for the claim as typed)"
                                                          if r["negated"] else "")
        console.print(head, markup=False, highlight=False)
        console.print(r["status"], markup=False, highlight=False)
        if not r["articles"]:
            console.print("")
            continue
        t = Table(show_lines=True)
        for col in ("outlet", "date", "stance", "statements (source, family: polarity)", "score"):
            t.add_column(col, overflow="fold")
        for a in r["articles"]:
            outlet = a["outlet"] or "?"
            if a["copies"]:
                outlet += f" (+{len(a['copies'])} syndicated cop{'y' if len(a['copies']) == 1 else 'ies'})"
            lines = [f"{s['source_name'] or '(own voice)'}, {s['family'] or '-'}: "
                     f"{s['source_stance']} - {s['text']}" for s in a["statements"]]
            t.add_row(outlet, str(a["published"] or ""), a["stance"], "\n".join(lines),
                      f"{a['score']:.2f}")
        console.print(t)
    return console.export_text()


def check_html(results: list[dict[str, Any]]) -> str:
    return _page("Check a claim", "".join(check_section(r) for r in results))


def check_section(r: dict[str, Any]) -> str:
    """One checked claim as HTML (every value escaped); the web page uses it too."""
    e = html.escape
    rows = "".join(
        f"<tr><td>{e(a['outlet'] or '?')}<div class=\"small\">{e(str(a['published'] or ''))}"
        f"{' · +' + str(len(a['copies'])) + ' syndicated' if a['copies'] else ''}</div></td>"
        f"<td class=\"{e(a['stance'])}\">{e(a['stance'])}</td><td><ul>"
        + "".join(f"<li><span class=\"{e(s['source_stance'] or '')}\">{e(s['source_stance'] or '')}"
                  f"</span> {e(s['source_name'] or '(own voice)')} "
                  f"<span class=\"small\">{e(s['family'] or '-')}</span>: {e(s['text'])}</li>"
                  for s in a["statements"])
        + f"</ul></td><td>{a['score']:.2f}</td></tr>"
        for a in r["articles"]
    )
    read_as = ""
    if r["proposition"].rstrip(".").lower() != r["claim"].rstrip(".").lower():
        read_as = f"<p class=\"small\">read as: {e(r['proposition'])}</p>"
    table = (f"<table><tr><th>outlet</th><th>stance</th><th>statements</th><th>score</th></tr>"
             f"{rows}</table>" if rows else "")
    return (f"<section><h1>{e(r['claim'])}</h1>{read_as}<p class=\"status\">{e(r['status'])}</p>"
            f"{table}</section>")
