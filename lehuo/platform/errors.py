"""The one exception services raise for bad input; pages and the API turn it into a message."""


class ServiceError(Exception):
    """A rule refused the request. ``field`` names the input at fault (or None);
    ``message`` is shown to the user (zh-hans). ``errors`` may hold several."""

    status = 400

    def __init__(self, message: str, field: str | None = None, *, errors: list[dict] | None = None, code: str = ""):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code
        self.errors = errors or [{"field": field, "message": message}]


class NotFound(ServiceError):
    """Outside the user's scope, or not there at all: both answer 404."""

    status = 404

    def __init__(self, message: str = "记录不存在或无权访问"):
        super().__init__(message)


class Busy(ServiceError):
    """A lock could not be had in time: "busy, try again"."""

    status = 503

    def __init__(self, message: str = "系统繁忙，请稍后重试"):
        super().__init__(message, code="busy")
