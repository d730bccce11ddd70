"""Demo issue ``2021-08`` of 乐活新泾: the seed's four columns and six articles, every figure a
live token over the demo records. Published (figures frozen) when every token resolves.

Deterministic and idempotent: a second run creates nothing (it only publishes an issue left
in review because a module's records were missing the first time).
"""

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile

from lehuo.accounts.models import EDITOR, TOWN_ADMIN, Membership
from lehuo.platform.images import placeholder_jpeg

from . import services
from .models import Article, Issue, Photo

SLUG = "2021-08"
T = "training:xinjing-studio-3"
D = "donations:henan-flood-2021"
B = "blood:2021-07-28"
V = "visits:2021-08-05-swimmer"

ARTICLES = [
    {
        "column": "乐活·家园", "kicker": "育人才 强自治 创特色", "title": "新泾镇零距离工作室开课",
        "body": f"""新泾镇党委高度重视社区干部的培养，建立健全“四全”培训体系，不断优化社区治理队伍培训体系，为提升社区治理能力和治理水平提供人才支撑和智力保障。在疫情防控的大背景下，新泾镇依托零距离工作室，以小班培训的形式为社区干部提供更有针对性、更为高效的学习和实践培训。

[[{T}:starts_on_cn]]上午，零距离工作室第[[{T}:number]]期为期半年的社工系列培训正式开班，并将于[[{T}:weekdays_cn]]开课，工作室负责人[[{T}:instructor]]负责授课，新泾镇[[{T}:neighbourhoods_cn]]等[[{T}:neighbourhood_count]]个居民区的社工成为本期学员。零距离工作室负责人[[{T}:instructor]]原是新泾镇淮阴居民区党总支书记，具有丰富的小区自治共治经验，以“育人才、强自治、创特色”为工作理念，做好“传、帮、带”，为夯实社区干部队伍建设持续贡献力量。

此次培训由镇干部人事办公室牵头，围绕“社区治理”和“居民自治”，充分发挥零距离工作室对工作实务的指导、协调作用，从社区工作“熟悉人头、熟悉家庭”上着手，分享如何延续传统、脚踏实地做好社区工作的经验；从社区工作的“党建引领、整合资源”上出发，传授处理社区复杂问题的方式方法；依托“三精四量三不可”工作法，探索将“难点”转化为“亮点”，切实做好群众身边的“大事、小事、烦心事”。""",
        "photos": ["零距离工作室第三期开班"],
    },
    {
        "column": "乐活·温情", "kicker": "风雨同舟 共渡难关", "title": "这群新泾人为河南献上真挚爱心",
        "body": f"""7月下旬，河南省中北部地区遭遇罕见降雨天气过程，出现严重洪涝灾害。一方有难，八方支援。上海市慈善基金会长宁区代表处在第一时间开通了线上线下捐赠渠道，为河南防汛救灾进行募捐。

新泾镇各居民区党员、学生、居民、残疾人员、共建单位自发响应号召，纷纷伸出援助之手，慷慨解囊，献上自己的一份爱心。新泾镇共有**[[{D}:people]]人**参与“驰援河南防汛救灾专项行动”捐款，其中党员[[{D}:by_tag.党员.people]]人，通过线上线下共捐款**[[{D}:total]]元**。""",
        "photos": [],
    },
    {
        "column": "乐活·青春", "kicker": "", "title": "爱心暑托班 快乐不简单", "subtitle": "新泾镇小朋友们在这里快乐一“夏”",
        "body": """为缓解全市小学生暑期“看护难”问题，引导和帮助小学生度过一个安全、快乐、有意义的假期，团市委、市教委等单位决定在全市开办小学生爱心暑托班，为小学生提供暑期看护服务。自2014年正式创办以来，小学生爱心暑托班已连续8年成为市为民办实事项目。2021年的暑假里，在新泾镇小学生爱心暑托班办班点，萌娃们如何尽享“快乐不简单”的生活？让我们一同了解。

开班前，新泾镇积极响应团市委号召，根据团市委、团区委的要求，在镇党委的全力支持下，由镇团委牵头，协同各相关科室、居民区、辖区单位、五老志愿者的多元力量，深入落实办班工作。

为了让小朋友们过一个快乐而有意义的暑假，今年的爱心暑托班开设了一系列符合小学生的身心发展特点的拓展课程。不仅涵盖了爱国教育、安全教育、艺术欣赏、理财课程等“德智体美劳”五大类的课程，更为小朋友们准备了独有的特色课程，让孩子们在度过轻松假期的同时，不乏文化知识的熏陶。

2021年的爱心暑托班来之不易，是在疫情防控常态化背景下恢复开班的第一年。新泾镇团委连同暑托班工作团队从场地要求、物资人员配置、制度安排、各项流程等各个方面实施了严格的措施，用细心和爱心构筑起了一道道牢固的防疫屏障，最终保障了全体学生的平安健康。""",
        "photos": ["爱心暑托班结业仪式"],
    },
    {
        "column": "乐活·青春", "kicker": "", "title": "献出一点爱心 拯救无数生命",
        "subtitle": "新泾镇开展2021年度第二批无偿献血活动",
        "body": f"""爱心献血，传递真情。7月28日，新泾镇开展了2021年度第二批无偿献血活动。为确保此次献血任务能够顺利完成，新泾镇提前两个月就开始筹备，通过各种方式向辖区内所有居民、单位发放《无偿献血倡议书》。接到倡议书后，党员带头，社区居民、社会工作者、企业等纷纷踊跃参与此次无偿献血活动中来。

献血日现场，新泾镇通过张贴相关献血知识的宣传海报，使献血者了解到献血的流程、献血者的基本条件，献血的好处等，使献血者放松心情，轻松参加无偿献血活动，同时发动更多的人捐献热血，传递爱心，珍爱生命。

为做好新冠疫情防控，献血现场所有人员均全程佩戴口罩，测量体温并查看健康码。献血者在完成登记填表等准备工作后，献血活动正式开始。

通过各方的共同努力，本次献血活动一共招募了**[[{B}:donors]]名**献血志愿者，成功捐献了**[[{B}:units]]份**（200毫升）的新鲜血液，捐献造血干细胞入库**[[{B}:stem_cell_signups]]名**。献血志愿者们通过自己的实际行动，用热血架构了一条条爱心的纽带。""",
        "photos": ["献血日现场"],
    },
    {
        "column": "乐活·体育", "kicker": "", "title": "新泾泳坛小花在东京奥运赛场绽芳华",
        "body": f"""2021年8月1日中国游泳队出战东京奥运会女子4x100米混合泳接力赛，由彭旭玮、唐钱婷、张雨霏、杨浚瑄组成的中国队最终以[[{V}:honour_result]]的成绩获得[[{V}:honour_rank]]的佳绩。在这支“飞鱼”战队中，来自新泾镇的[[{V}:age_then]]岁姑娘唐钱婷的表现非常优秀。""",
        "photos": ["奥运赛场上的唐钱婷"],
    },
    {
        "column": "乐活·体育", "kicker": "", "title": "镇领导看望奥运健儿家人",
        "body": f"""[[{V}:date_cn]]上午，新泾镇人民政府[[{V}:visitors_cn]]一行来到了位于[[{V}:neighbourhood]]居民区的唐钱婷家中，代表新泾镇党委、政府，亲切看望了唐钱婷的父母，并对唐钱婷在这次东京奥运会上取得的优异成绩表示祝贺。

[[{V}:visitors_cn]]向唐钱婷的父母详细询问了她从小到大在学习、训练、生活等方面的情况，为她能在[[{V}:age_then]]岁这个年纪就身披国家队战袍为国争光而感到骄傲。也向为国家培育出这么优秀体育人才的唐钱婷父母表示感谢。在此，我们一同期待新泾姑娘唐钱婷能在明年的杭州亚运会上再创佳绩。""",
        "photos": ["镇领导来到唐钱婷家中祝贺"],
    },
]
PHOTO_COLOURS = [(200, 16, 46), (9, 105, 218), (26, 127, 55), (154, 103, 0)]


def _editor(town):
    m = Membership.objects.filter(town=town, role=EDITOR).select_related("user").first()
    return m.user if m else get_user_model().objects.get(username="editor")


def _reviewer(town, editor):
    """A second pair of eyes: another editor, else the town admin (issue 14)."""
    m = (Membership.objects.filter(town=town, role__in=[EDITOR, TOWN_ADMIN]).exclude(user=editor)
         .select_related("user").order_by("role", "id").first())
    return m.user if m else editor


def load(town, stdout) -> None:
    """The 2021-08 issue (after the demo records its figures come from: NewsletterConfig.demo_after)."""
    editor = _editor(town)
    issue = Issue.objects.filter(slug=SLUG).first()
    if issue is None:
        pub = services.ensure_publication(town, sponsor="新泾镇")
        issue = services.create_issue(editor, pub, number=8, date=dt.date(2021, 8, 20), slug=SLUG, title="2021年8月")
        columns = {c.name: c for c in pub.columns.all()}
        for order, spec in enumerate(ARTICLES):
            article = Article.objects.create(
                issue=issue, column=columns[spec["column"]], kicker=spec["kicker"], title=spec["title"],
                subtitle=spec.get("subtitle", ""), body=spec["body"], order=order,
            )
            for i, caption in enumerate(spec["photos"]):
                photo = Photo(article=article, caption=caption, order=i)
                data = placeholder_jpeg(caption, colour=PHOTO_COLOURS[(order + i) % 4], seed=order * 10 + i)
                photo.image.save(f"demo-{SLUG}-{order}-{i}.jpg", ContentFile(data), save=True)
        stdout.write(f"newsletter: issue {SLUG} with {len(ARTICLES)} articles")
    if issue.is_published:
        stdout.write(f"newsletter: issue {SLUG} already published")
        return
    figs = services.issue_figures(issue)
    errors = services.figure_errors(figs)
    if errors:
        missing = sorted({f.token.split(":")[0] for f in errors})
        stdout.write(f"newsletter: issue {SLUG} left as {issue.get_status_display()}: "
                     f"{len(errors)} figures unresolved (modules: {', '.join(missing)})")
        return
    if issue.status == Issue.DRAFT:
        services.submit_issue(editor, issue)
    services.publish_issue(_reviewer(town, editor), issue)
    stdout.write(f"newsletter: issue {SLUG} published with {len(figs)} frozen figures")
