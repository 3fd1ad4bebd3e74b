"""The page `talon serve` sends to a browser: nothing fetched from the internet, a font with
Cyrillic from the server itself, and the self-reload that keeps a TV off «Session ended»."""

from __future__ import annotations

import re

from aiohttp.test_utils import TestClient, TestServer

from talon.serve import WEB_DIR, app_command, make_server
from tests.conftest import make_config


async def test_the_served_page_loads_everything_from_the_talon_server_itself(tmp_path) -> None:  # noqa: ANN001
    config = make_config(tmp_path)
    server = make_server(config, "board", port=8012)
    async with TestClient(TestServer(await server._make_app())) as client:  # noqa: SLF001
        page = await (await client.get("/?fontsize=40")).text()
        urls = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']|url\(["']?([^"')]+)""", page)
        urls = [a or b for a, b in urls]
        assert urls, "the page references its scripts, styles and font"
        assert all(u.startswith("http://127.0.0.1:8012/static/") for u in urls), urls
        assert "googleapis" not in page and "gstatic" not in page
        assert 'data-font-size="40"' in page
        assert "Talon — табло" in page
        # the font the terminal asks for ("Roboto Mono") is declared from textual-serve's own copy
        assert re.search(r'font-family:\s*"Roboto Mono";\s*src: url\("[^"]+RobotoMono-VariableFont_wght\.ttf"', page)
        font = await client.get("/static/fonts/RobotoMono-VariableFont_wght.ttf")
        assert font.status == 200 and len(await font.read()) > 50_000


async def test_the_page_reloads_itself_when_the_socket_closes(tmp_path) -> None:  # noqa: ANN001
    server = make_server(make_config(tmp_path), "board")
    async with TestClient(TestServer(await server._make_app())) as client:  # noqa: SLF001
        page = await (await client.get("/")).text()
    # the socket's close event starts the wait-and-reload loop; a page that never drew reloads too
    assert 'addEventListener("close", reloadWhenBack)' in page
    assert "window.location.reload()" in page and "Переподключение" in page
    assert "Session ended" not in page
    assert page.index("window.WebSocket = TalonWebSocket") < page.index("js/textual.js")


def test_the_template_folder_is_the_one_textual_serve_uses_and_the_app_command_has_the_config(tmp_path) -> None:  # noqa: ANN001
    config = make_config(tmp_path)
    server = make_server(config, "operator", window=3)
    assert server.templates_path == WEB_DIR and (WEB_DIR / "app_index.html").is_file()
    assert server.command == app_command(config, "operator", 3)
    assert server.command.endswith(f"--config {config.path} operator --window 3")
