"""`python -m lehuo policy_table [--language en]`: the role x action table of the declared
policy, as Markdown, in the chosen language (Chinese by default: docs/security.md holds that one
between markers; a test keeps the two the same)."""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from lehuo.accounts.permissions import ROLES, endpoints, policy
from lehuo.lib.labels import list_separator

# Short column heads (the role names of accounts.models are too long for a table column).
ROLE_HEADS = {
    "town_admin": pgettext_lazy("policy table", "镇管理员"), "social_worker": pgettext_lazy("policy table", "社工"),
    "programme_staff": pgettext_lazy("policy table", "项目人员"), "editor": pgettext_lazy("policy table", "编辑"),
    "viewer": pgettext_lazy("policy table", "查看者"), "resident": pgettext_lazy("policy table", "居民"),
    "signed_in": pgettext_lazy("policy table", "已登录"), "public": pgettext_lazy("policy table", "公众"),
}
SCOPE_MARKS = {
    "town": pgettext_lazy("policy scope", "镇"), "neighbourhood": pgettext_lazy("policy scope", "居民区"),
    "assigned": pgettext_lazy("policy scope", "分工"), "own": pgettext_lazy("policy scope", "本人"),
    "any": pgettext_lazy("policy scope", "全部"),
}


def table(language: str = "zh-hans") -> str:
    with translation.override(language):
        heads = ["action", _("记录"), *(str(ROLE_HEADS[r]) for r in ROLES), _("说明")]
        lines = ["| " + " | ".join(heads) + " |", "|" + "---|" * len(heads)]
        used = {e.action for e in endpoints().values()}
        for name, act in sorted(policy().items()):
            cells = []
            for role in ROLES:
                marks = [str(SCOPE_MARKS[g.scope]) + ("*" if g.when else "") for g in act.grants if g.role == role]
                cells.append(list_separator().join(marks))
            note = str(act.label) + (_("（敏感）") if act.sensitive else "") + ("" if name in used else _("（服务内部）"))
            lines.append(f"| `{name}` | {act.on or '—'} | " + " | ".join(cells) + f" | {note} |")
    return "\n".join(lines) + "\n"


class Command(BaseCommand):
    help = "Print the role x action table of the declared policy (Markdown)."

    def add_arguments(self, parser):
        parser.add_argument("--language", default="zh-hans", choices=[code for code, _name in settings.LANGUAGES],
                            help="the language of the heads, scopes and descriptions (default: zh-hans)")

    def handle(self, *args, **options):
        self.stdout.write(table(options["language"]), ending="")
