from django.apps import AppConfig
from django.conf import settings
from django.db.models.signals import post_delete, post_save


def _token_changed(sender, instance, **kwargs):
    from .auth import forget_token

    forget_token(instance.key_hash)


def _user_changed(sender, instance, **kwargs):
    from .auth import forget_user_tokens

    forget_user_tokens(instance.pk)


class ApiConfig(AppConfig):
    name = "lehuo.api"
    label = "api"
    verbose_name = "API"

    def ready(self):
        # A revoked token, or a user deactivated or changed, is not served from the cache.
        post_save.connect(_token_changed, sender="core.ApiToken", dispatch_uid="lehuo-token-changed")
        post_delete.connect(_token_changed, sender="core.ApiToken", dispatch_uid="lehuo-token-deleted")
        post_save.connect(_user_changed, sender=settings.AUTH_USER_MODEL, dispatch_uid="lehuo-user-changed")
        post_delete.connect(_user_changed, sender=settings.AUTH_USER_MODEL, dispatch_uid="lehuo-user-deleted")
