"""WeChat-ready HTML of one article: every style inline, nothing a 公众号 editor strips."""

import re
from html import escape

from . import figures_render

STYLES = {
    "p": "margin:0 0 1em;line-height:1.8;font-size:16px;color:#333;text-align:justify;letter-spacing:0.5px;",
    "h2": "font-size:18px;color:#c8102e;margin:1.2em 0 .6em;",
    "h3": "font-size:17px;color:#c8102e;margin:1em 0 .5em;",
    "strong": "color:#c8102e;",
    "blockquote": "margin:0 0 1em;padding:8px 12px;border-left:3px solid #c8102e;background:#faf5f5;color:#555;",
    "ul": "padding-left:1.4em;margin:0 0 1em;",
    "ol": "padding-left:1.4em;margin:0 0 1em;",
    "li": "line-height:1.8;font-size:16px;color:#333;",
    "img": "max-width:100%;height:auto;display:block;margin:0 auto;",
    "a": "color:#0969da;",
}
_OPEN_TAG = re.compile(r"<(p|h2|h3|strong|blockquote|ul|ol|li|img|a)(\s[^>]*)?>")


def _inline(html: str) -> str:
    def add(match):
        tag, attrs = match.group(1), match.group(2) or ""
        attrs = re.sub(r'\sstyle="[^"]*"', "", attrs)
        return f'<{tag} style="{STYLES[tag]}"{attrs}>'

    return _OPEN_TAG.sub(add, html)


def article_html(article, figs, base_url: str = "") -> str:
    body = _inline(str(figures_render.render_body(article.body, figs, "wechat")))
    parts = ['<section style="font-family:-apple-system,\'PingFang SC\',\'Microsoft YaHei\',sans-serif;padding:0 4px;">']
    parts.append(f'<p style="margin:0 0 4px;font-size:14px;color:#c8102e;font-weight:bold;">{escape(article.column.name)}</p>')
    if article.kicker:
        parts.append(f'<p style="margin:0 0 4px;font-size:15px;color:#666;">{escape(article.kicker)}</p>')
    parts.append(f'<h1 style="margin:0 0 8px;font-size:22px;line-height:1.4;color:#111;">{escape(article.title)}</h1>')
    if article.subtitle:
        parts.append(f'<p style="margin:0 0 12px;font-size:16px;color:#444;">{escape(article.subtitle)}</p>')
    parts.append(body)
    for photo in article.photos.all():
        parts.append('<p style="margin:0 0 4px;text-align:center;">'
                     f'<img src="{escape(base_url + photo.image.url)}" alt="{escape(photo.caption)}" '
                     f'style="{STYLES["img"]}"></p>')
        if photo.caption:
            parts.append(f'<p style="margin:0 0 1em;text-align:center;font-size:13px;color:#888;">{escape(photo.caption)}</p>')
    if article.author:
        parts.append(f'<p style="margin:1em 0 0;font-size:13px;color:#888;text-align:right;">文/{escape(article.author)}</p>')  # not-ui: the byline of the Chinese article, as print_issue.html prints it
    parts.append("</section>")
    return "\n".join(parts)
