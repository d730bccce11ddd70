"""The static files storage of a production process (DEBUG off)."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """WhiteNoise's compressed manifest storage, keeping each ``url()`` it has answered.

    The manifest is read once when the process starts and ``collectstatic`` never changes it
    under a running process, so a file's URL is the same for the process's life. Every page
    asks for the same few (the style sheets and scripts of base.html), and working one out
    (the manifest look-up, quoting, joining to ``STATIC_URL``) cost more than the rest of the
    page's head. A name missing from the manifest still raises, every time."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._urls: dict[tuple[str, bool], str] = {}

    def url(self, name, force=False):
        key = (name, force)
        found = self._urls.get(key)
        if found is None:
            found = self._urls[key] = super().url(name, force)
        return found
