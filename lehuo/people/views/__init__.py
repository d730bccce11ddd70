"""Core pages, split by topic. ``lehuo/urls.py`` imports ``LoginView`` and ``logout_view`` from here."""

from .base import LoginView, home, index, job_restart, job_status, logout_view, workbench_modules

__all__ = ["LoginView", "home", "index", "job_restart", "job_status", "logout_view", "workbench_modules"]
