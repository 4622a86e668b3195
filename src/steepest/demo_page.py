"""The demo's page: one HTML file, its CSS inline, no scripts, nothing fetched from the network.

Each Section (see steepest.demo) becomes a block: its introduction, a table of checks (what the
seed says, what steepest computes, whether they agree), its figures, its texts and its code.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING

import steepest as st

if TYPE_CHECKING:
    from steepest.demo import Section

__all__ = ["write_page", "CSS"]

CSS = """
body { font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #1d2330;
       max-width: 1120px; margin: 0 auto; padding: 1.5em 1.2em 4em; background: #fcfcfa; }
h1 { font-size: 1.9em; margin-bottom: 0.2em; } h2 { margin-top: 2.2em; border-bottom: 2px solid #e3e6ea;
     padding-bottom: 0.2em; } h3 { font-size: 1em; margin: 1.2em 0 0.3em; color: #4a5568; }
nav ol { columns: 2; } a { color: #1f5fa8; }
table.checks { border-collapse: collapse; margin: 0.8em 0; font-size: 0.93em; }
table.checks td, table.checks th { border-bottom: 1px solid #e3e6ea; padding: 0.25em 0.8em;
                                   text-align: left; }
td.ok { color: #1a7f37; font-weight: bold; } td.bad { color: #c62828; font-weight: bold; }
figure { margin: 1em 0; } figure img { max-width: 100%; border: 1px solid #e3e6ea; background: white; }
figcaption { color: #555; font-size: 0.9em; }
pre { background: #f3f4f6; padding: 0.8em 1em; overflow-x: auto; font-size: 0.85em; border-radius: 4px; }
pre.code { background: #1e2430; color: #e8e8e8; }
.error { background: #fdecea; border-left: 4px solid #c62828; padding: 0.6em 1em; }
.summary { background: #eef6ee; border-left: 4px solid #1a7f37; padding: 0.6em 1em; }
"""


def _section_html(s: Section) -> str:
    e = html.escape
    parts = [f'<section id="{s.key}"><h2>{e(s.title)}</h2>']
    if s.intro:
        parts.append(f"<p>{s.intro}</p>")
    if s.error:
        parts.append(f'<p class="error">This example could not run: {e(s.error)}</p>')
    if s.checks:
        rows = "".join(f"<tr><td>{e(w)}</td><td>{e(a)}</td><td>{e(b)}</td>"
                       f"<td class=\"{'ok' if ok else 'bad'}\">{'✓' if ok else '✗'}</td></tr>"
                       for w, a, b, ok in s.checks)
        parts.append('<table class="checks"><tr><th>quantity</th><th>expected</th><th>steepest</th>'
                     '<th></th></tr>'
                     f"{rows}</table>")
    for src, caption in s.figures:
        if src.endswith(".dot"):
            parts.append('<p>Graphviz\'s <code>dot</code> is not installed, so the graph is left as DOT '
                         'source: '
                         f'<a href="{e(src)}">{e(src)}</a>. {e(caption)}</p>')
        else:
            parts.append(f'<figure><img src="{e(src)}" alt="{e(caption)}"><figcaption>{e(caption)}'
                         "</figcaption></figure>")
    for heading, text in s.texts:
        parts.append(f"<h3>{e(heading)}</h3><pre>{e(text)}</pre>")
    if s.code:
        parts.append(f'<h3>The code</h3><pre class="code">{e(s.code)}</pre>')
    parts.append("</section>")
    return "\n".join(parts)


def write_page(out: Path, sections: list[Section], seconds: float) -> Path:
    n_checks = sum(len(s.checks) for s in sections)
    n_ok = sum(ok for s in sections for *_, ok in s.checks)
    failed = [s.title for s in sections if s.error]
    toc = "".join(f'<li><a href="#{s.key}">{html.escape(s.title)}</a></li>' for s in sections)
    summary = (f"{n_ok} of {n_checks} checks pass (the seeds' numbers, and what the text claims); "
               f"{len(sections) - len(failed)} of {len(sections)} examples ran, in {seconds:.1f} s "
               f"with steepest {st.__version__}.")
    body = "\n".join(_section_html(s) for s in sections)
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>steepest: the worked examples</title><style>{CSS}</style></head>
<body>
<h1>steepest: gradient descent and backpropagation, worked</h1>
<p>Every worked example of the seed notes, recomputed by steepest: each number the notes work out by hand is
checked against what the engine computes (✓ when they agree), and each idea is drawn.</p>
<p class="summary">{html.escape(summary)}</p>
<nav><ol>{toc}</ol></nav>
{body}
</body></html>
"""
    path = out / "index.html"
    path.write_text(page, encoding="utf-8")
    return path
