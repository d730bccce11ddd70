import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db


def test_pages_are_chinese_by_default(client):
    html = client.get("/accounts/login/").content.decode()
    assert 'lang="zh-CN"' in html and "登录乐活" in html


def test_english_is_available(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/accounts/login/").content.decode()
    assert 'lang="en"' in html and "Log in to Lehuo" in html and "登录乐活" not in html
