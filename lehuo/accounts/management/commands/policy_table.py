"""`python -m lehuo policy_table`: the role x action table of the declared policy, as Markdown
(docs/security.md holds it between markers; a test keeps the two the same)."""

from django.core.management.base import BaseCommand
from django.utils import translation

from lehuo.accounts.permissions import ROLES, endpoints, policy

ROLE_HEADS = {"town_admin": "镇管理员", "social_worker": "社工", "programme_staff": "项目人员", "editor": "编辑",
              "viewer": "查看者", "resident": "居民", "signed_in": "已登录", "public": "公众"}
SCOPE_MARKS = {"town": "镇", "neighbourhood": "居民区", "assigned": "分工", "own": "本人", "any": "全部"}


def table() -> str:
    with translation.override("zh-hans"):
        heads = ["action", "记录", *(ROLE_HEADS[r] for r in ROLES), "说明"]
        lines = ["| " + " | ".join(heads) + " |", "|" + "---|" * len(heads)]
        used = {e.action for e in endpoints().values()}
        for name, act in sorted(policy().items()):
            cells = []
            for role in ROLES:
                marks = [SCOPE_MARKS[g.scope] + ("*" if g.when else "") for g in act.grants if g.role == role]
                cells.append("、".join(marks))
            note = str(act.label) + ("（敏感）" if act.sensitive else "") + ("" if name in used else "（服务内部）")
            lines.append(f"| `{name}` | {act.on or '—'} | " + " | ".join(cells) + f" | {note} |")
    return "\n".join(lines) + "\n"


class Command(BaseCommand):
    help = "Print the role x action table of the declared policy (Markdown)."

    def handle(self, *args, **options):
        self.stdout.write(table(), ending="")
