from django.utils.translation import gettext_lazy as _

from . import modules


class PlatformConfig(modules.ModuleConfig):
    name = "lehuo.platform"
    label = "platform"
    verbose_name = _("平台")
    urls = "lehuo.platform.urls"

    def ready(self):
        from django_tasks.signals import task_finished, task_started

        from . import requestid

        task_started.connect(requestid.job_started, dispatch_uid="lehuo.requestid.job_started")
        task_finished.connect(requestid.job_finished, dispatch_uid="lehuo.requestid.job_finished")
