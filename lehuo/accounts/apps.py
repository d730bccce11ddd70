from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _

from lehuo.platform import modules


def _token_changed(sender, instance, **kwargs):
    from .tokens import forget_token

    forget_token(instance.key_hash)


def _user_changed(sender, instance, **kwargs):
    from .tokens import forget_user_tokens

    forget_user_tokens(instance.pk)


class AccountsConfig(modules.ModuleConfig):
    name = "lehuo.accounts"
    label = "accounts"
    verbose_name = _("账户与岗位")
    urls = "lehuo.accounts.urls"
    url_prefix = "accounts/"
    api_router = "lehuo.accounts.api.router"
    policy = "lehuo.accounts.policy"

    def ready(self):
        # A revoked token, or a user deactivated or changed, is not served from the cache.
        post_save.connect(_token_changed, sender="accounts.ApiToken", dispatch_uid="lehuo-token-changed")
        post_delete.connect(_token_changed, sender="accounts.ApiToken", dispatch_uid="lehuo-token-deleted")
        post_save.connect(_user_changed, sender=settings.AUTH_USER_MODEL, dispatch_uid="lehuo-user-changed")
        post_delete.connect(_user_changed, sender=settings.AUTH_USER_MODEL, dispatch_uid="lehuo-user-deleted")
