"""Bench: the demo issue's print PDF against the same issue with Latin placeholder text.

A ratio far above ~1.5 means CJK text costs much more than Latin text of the same length:
usually font subsetting (a missing libharfbuzz-subset, or a whole .ttc embedded).

    .venv/bin/python bench/newsletter.py [--runs 3] [--var-dir /tmp/lehuo-bench-newsletter]

Uses its own scratch database (loads the demo there once) and never touches var/.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

LOREM = ("Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore "
         "et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut "
         "aliquip ex ea commodo consequat. Duis aute irure dolor in reprehenderit in voluptate velit esse. ")


def latin(n: int) -> str:
    return (LOREM * (n // len(LOREM) + 1))[:max(n, 1)]


def count_pages(content: bytes) -> str:
    """Pages via poppler's pdfinfo when installed (WeasyPrint compresses its object streams)."""
    import shutil
    import subprocess
    import tempfile

    if not shutil.which("pdfinfo"):
        return "?"
    with tempfile.NamedTemporaryFile(suffix=".pdf") as fh:
        fh.write(content)
        fh.flush()
        out = subprocess.run(["pdfinfo", fh.name], capture_output=True, text=True).stdout
    return next((line.split()[-1] for line in out.splitlines() if line.startswith("Pages:")), "?")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--var-dir", default="/tmp/lehuo-bench-newsletter")
    args = parser.parse_args()
    os.environ["LEHUO_VAR_DIR"] = args.var_dir
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lehuo.settings")
    Path(args.var_dir).mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import logging

    import django

    django.setup()
    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    from django.conf import settings
    from django.core.management import call_command
    from django.template.loader import render_to_string
    from django.utils.html import strip_tags
    from django.utils.safestring import mark_safe

    from lehuo.newsletter import pdf
    from lehuo.newsletter.models import Issue
    from lehuo.platform.pdf import html_to_pdf

    call_command("migrate", verbosity=0)
    if not Issue.objects.filter(slug="2021-08").exists():
        call_command("demo", only=["training", "donations", "blood", "newsletter"], residents=3000, verbosity=0)
    issue = Issue.objects.get(slug="2021-08")

    def cjk_html() -> str:
        return render_to_string("newsletter/print_issue.html",
                                {"pdf_font": settings.LEHUO_PDF_FONT, **pdf.issue_context(issue, "print")})

    def latin_html() -> str:
        ctx = pdf.issue_context(issue, "print")
        for block in ctx["columns"]:
            for a in block["articles"]:
                paras = [p for p in strip_tags(str(a.html)).split("\n") if p.strip()]
                a.html = mark_safe("".join(f"<p>{latin(len(p))}</p>" for p in paras))
                a.kicker, a.title, a.subtitle = latin(len(a.kicker)) if a.kicker else "", latin(len(a.title)), latin(len(a.subtitle)) if a.subtitle else ""
        html = render_to_string("newsletter/print_issue.html", {"pdf_font": settings.LEHUO_PDF_FONT, **ctx})
        for block in ctx["columns"]:
            html = html.replace(block["column"].name, "Column")
        return html.replace(issue.publication.name, "Lehuo Xinjing")

    results = {}
    for label, make in (("cjk", cjk_html), ("latin", latin_html)):
        html = make()
        html_to_pdf(html)  # warm-up: font loading, caches
        times, size, pages = [], 0, 0
        for _ in range(args.runs):
            t = time.perf_counter()
            content = html_to_pdf(html)
            times.append(time.perf_counter() - t)
            size = len(content)
        pages = count_pages(content)
        results[label] = (statistics.median(times), size, pages)
        print(f"{label:<6} median {results[label][0]:.2f} s over {args.runs} runs, {size / 1024:.0f} KiB, {pages} pages")
    ratio = results["cjk"][0] / results["latin"][0]
    print(f"ratio cjk/latin: {ratio:.2f}")


if __name__ == "__main__":
    main()
