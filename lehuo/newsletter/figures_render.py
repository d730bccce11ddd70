"""Live figures in article bodies: find ``[[prefix:record:measure]]`` tokens, resolve them,
and render Markdown bodies (sanitised with nh3) with each figure's value in place.

Bodies are rendered in three modes:

- ``edit``: value and token side by side; an unknown token is a visible error;
- ``read``: the value only (a published issue uses its frozen values and marks the ones
  the records no longer match);
- ``print`` / ``wechat``: the value only, no markers.
"""

import hashlib
import re
from dataclasses import dataclass
from html import escape

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from lehuo.platform import figures

TOKEN_RE = re.compile(r"\[\[\s*([^\[\]\s]+?)\s*\]\]")
_PLACEHOLDER = "\ue000{}\ue001"
_PLACEHOLDER_RE = re.compile("\ue000(\\d+)\ue001")
_TAG_SPLIT = re.compile(r"(<[^>]*>)")
MAX_VALUE_LEN = 60

# Anything that looks like personal data is refused, whatever a resolver returns:
# ID numbers (18 / 15 digits, possibly masked), mobile phones (possibly masked), masks.
_PERSONAL_RES = [
    re.compile(r"\d{17}[\dXx]"),
    re.compile(r"(?<!\d)\d{15}(?!\d)"),
    re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)"),
    re.compile(r"\d{2,}\s*[*＊xX]{3,}"),  # not-ui: a pattern (full-width asterisk)
    re.compile(r"[*＊]{3,}\s*\d{2,}"),  # not-ui: a pattern (full-width asterisk)
]

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "b", "i", "u", "s", "blockquote", "ul", "ol", "li", "h2", "h3", "h4",
    "a", "img", "hr", "table", "thead", "tbody", "tr", "th", "td", "code", "pre", "sup", "sub",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "th": {"align"}, "td": {"align"}}


@dataclass
class Figure:
    token: str
    value: str | None = None  # the current value, formatted
    error: str | None = None
    frozen: str | None = None  # the value published with the issue

    @property
    def changed(self) -> bool:
        return self.frozen is not None and self.value is not None and self.frozen != self.value

    @property
    def shown(self) -> str | None:
        """What the reader sees: the frozen value once published, else the live one."""
        return self.frozen if self.frozen is not None else self.value


def tokens_in(text: str) -> list[str]:
    return list(dict.fromkeys(TOKEN_RE.findall(text or "")))


def looks_personal(value: str) -> bool:
    return any(rx.search(value) for rx in _PERSONAL_RES)


def resolve_token(token: str) -> Figure:
    """One token's current value, or its error (never an exception)."""
    try:
        raw = figures.resolve(token)
    except figures.FigureError as exc:
        return Figure(token, error=str(exc))
    except Exception as exc:  # a resolver bug must not take the editor's page down
        return Figure(token, error=_("数据计算出错：%(error)s") % {"error": type(exc).__name__})
    if raw is None or isinstance(raw, dict | list | tuple | set | bytes):
        return Figure(token, error=_("数据标记只能得到单个数值或简短文字"))
    value = figures.format_value(raw)
    if len(value) > MAX_VALUE_LEN:
        return Figure(token, error=_("数据标记的结果过长（不超过%(n)s个字）") % {"n": MAX_VALUE_LEN})
    if looks_personal(value):
        return Figure(token, error=_("数据标记不能显示个人信息（证件号码、电话等）"))
    return Figure(token, value=value)


def resolve_tokens(tokens, frozen: dict[str, str] | None = None) -> dict[str, Figure]:
    out = {}
    for token in tokens:
        fig = resolve_token(token)
        if frozen is not None and token in frozen:
            fig.frozen = frozen[token]
        out[token] = fig
    return out


def _figure_html(fig: Figure | None, token: str, mode: str) -> str:
    if fig is None:
        fig = Figure(token, error=_("未解析的数据标记"))
    tok = escape(f"[[{token}]]")
    if mode == "edit":
        if fig.error and fig.shown is None:
            return f'<mark class="fig-error" title="{tok}">{tok} ⚠ {escape(fig.error)}</mark>'
        return f'<span class="fig">{escape(fig.shown)}</span><code class="fig-token">{tok}</code>'
    if fig.shown is None:
        # Never silent: an unresolved figure in a reader's view is visibly missing.
        missing = _("[数据缺失]")
        return f'<mark class="fig-error">{escape(missing)}</mark>' if mode == "read" else escape(missing)
    if mode == "read" and (fig.changed or (fig.frozen is not None and fig.error)):
        now = fig.value if fig.value is not None else _("无法计算")
        title = _("发布时 %(then)s，现为 %(now)s") % {"then": fig.frozen, "now": now}
        return (f'<span class="fig fig-changed" title="{escape(title)}">'
                f"{escape(fig.shown)}</span>")
    if mode in ("print", "wechat"):
        return escape(fig.shown)
    return f'<span class="fig">{escape(fig.shown)}</span>'


def _plain(fig: Figure | None) -> str:
    return escape(fig.shown, quote=True) if fig and fig.shown is not None else escape(_("[数据缺失]"))


def render_markdown(text: str) -> str:
    """Markdown to HTML, sanitised: no script, no event handlers, no javascript: links."""
    html = markdown.markdown(text or "", extensions=["sane_lists", "tables"], output_format="html")
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                     url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer")


def render_body(text: str, figs: dict[str, Figure], mode: str = "read") -> SafeString:
    tokens: list[str] = []

    def hold(match):
        tokens.append(match.group(1))
        return _PLACEHOLDER.format(len(tokens) - 1)

    html = render_markdown(TOKEN_RE.sub(hold, text or ""))
    parts = _TAG_SPLIT.split(html)
    for i, part in enumerate(parts):
        if not part:
            continue
        in_tag = part.startswith("<")

        def put(match, in_tag=in_tag):
            token = tokens[int(match.group(1))]
            return _plain(figs.get(token)) if in_tag else _figure_html(figs.get(token), token, mode)

        parts[i] = _PLACEHOLDER_RE.sub(put, part)
    return mark_safe("".join(parts))


def content_hash(*chunks) -> str:
    h = hashlib.sha256()
    for chunk in chunks:
        h.update(str(chunk).encode())
        h.update(b"\x00")
    return h.hexdigest()
