"""The PDF renderer reads only Lehuo's own static and media files (issue 16, finding 8): an
article naming another host or a local file elsewhere gets nothing, and nothing is fetched."""

import http.server
import threading

import pytest
from django.conf import settings

from lehuo.platform.pdf import RefusedResource, html_to_pdf, url_fetcher

PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


@pytest.fixture
def server():
    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            self.wfile.write(PNG)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}", hits
    httpd.shutdown()


def test_a_remote_image_is_never_fetched(server):
    base, hits = server
    pdf = html_to_pdf(f'<p>图</p><img src="{base}/x.png"><link rel="stylesheet" href="{base}/s.css">')
    assert pdf.startswith(b"%PDF")
    assert hits == []


@pytest.mark.parametrize("url", ["file:///etc/passwd", "file:///etc/hostname", "http://example.invalid/x.png",
                                 "ftp://127.0.0.1/x"])
def test_other_urls_are_refused(url):
    with pytest.raises(RefusedResource):
        url_fetcher(url)


def test_media_and_static_files_are_read(tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path)
    image = tmp_path / "photos" / "p.png"
    image.parent.mkdir()
    image.write_bytes(PNG)
    assert url_fetcher(image.as_uri()).read() == PNG
    css = url_fetcher("file:///static/lehuo/lehuo.css")
    assert css.read(10)
    outside = tmp_path.parent / "outside.png"
    outside.write_bytes(PNG)
    with pytest.raises(RefusedResource):
        url_fetcher(outside.as_uri())
    with pytest.raises(RefusedResource):
        url_fetcher((tmp_path / "photos" / ".." / ".." / "outside.png").as_uri())


def test_data_images_are_kept():
    import base64

    assert url_fetcher("data:image/png;base64," + base64.b64encode(PNG).decode())
    assert settings.MEDIA_ROOT
