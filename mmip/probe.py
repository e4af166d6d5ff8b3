"""Ask the web process on this host for a health page: ``python -m mmip.probe [/readyz]``.

For container health checks (compose.yaml) and process supervisors: exits 0 when the page answers 200,
1 otherwise, printing why. It reads the same environment as gunicorn (GUNICORN_BIND or PORT) and sends the
first ALLOWED_HOSTS name as the Host header, so Django does not refuse the request. Plain HTTP: the health
pages are exempt from the HTTPS redirect (they are asked by the machine, not a browser). No Django import, so
a probe costs a few milliseconds.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request

ANY_ADDRESS = {"", "0.0.0.0", "[::]", "::"}  # nosec B104: names gunicorn's bind-all addresses, binds nothing


def target(path: str, environ=os.environ) -> tuple[str, str]:
    """The URL to ask and the Host header to send."""
    bind = environ.get("GUNICORN_BIND") or f"127.0.0.1:{environ.get('PORT') or 8000}"
    address, _, port = bind.rpartition(":")
    if address in ANY_ADDRESS:
        address = "127.0.0.1"
    hosts = [h.strip().lstrip(".") for h in environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()]
    host = next((h for h in hosts if h != "*"), "localhost")
    return f"http://{address}:{port}{path}", host


def main(argv: list[str]) -> int:
    path = argv[1] if len(argv) > 1 else "/healthz"
    url, host = target(path)
    request = urllib.request.Request(url, headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=8) as response:  # nosec B310: http:// built above
            body = response.read(2000).decode(errors="replace")
            status = response.status
    except urllib.error.HTTPError as exc:
        body, status = exc.read(2000).decode(errors="replace"), exc.code
    except OSError as exc:
        print(f"{url}: {exc}", file=sys.stderr)
        return 1
    if status != 200:
        print(f"{url}: HTTP {status} {body}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
