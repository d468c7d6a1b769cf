"""Hostile and mis-labelled bodies: how the fault server spoils the replica's pages and feeds."""

from __future__ import annotations


def before_first_jsonld(block: str):
    """The page with one more JSON-LD block before its own."""
    marker = b'<script type="application/ld+json">'
    return lambda body: body.replace(marker, f'<script type="application/ld+json">{block}</script>'.encode() + marker, 1)


def cut_markup(body: bytes) -> bytes:
    """The page ends after the article: no sidebar, footer or closing tags."""
    return body[: body.index(b"<aside")]


BILLION_LAUGHS = ('<!DOCTYPE rss [<!ENTITY lol "lol">'
                  + "".join(f'<!ENTITY lol{n} "{("&lol%s;" % (n - 1 or "")) * 10}">' for n in range(1, 10))
                  + "]>")


def xml_bomb(body: bytes) -> bytes:
    """The feed under a billion-laughs DTD, its channel title the bomb."""
    declaration, rest = body.split(b"?>", 1)
    rest = rest.replace(b"<title>", b"<title>&lol9;", 1)
    return declaration + b"?>" + BILLION_LAUGHS.encode() + rest


def xxe(sentinel_url: str):
    """The feed with external entities: a local file and a URL on another host."""
    def change(body: bytes) -> bytes:
        declaration, rest = body.split(b"?>", 1)
        dtd = (f'<!DOCTYPE rss [<!ENTITY passwd SYSTEM "file:///etc/passwd">'
               f'<!ENTITY remote SYSTEM "{sentinel_url}/xxe"><!ENTITY % dtd SYSTEM "{sentinel_url}/dtd"> %dtd;]>')
        rest = rest.replace(b"<title>", b"<title>&passwd;&remote;", 2)
        return declaration + b"?>" + dtd.encode() + rest
    return change


def padded(size: int):
    """The page grown past ``size`` bytes by a comment before </body>."""
    return lambda body: body.replace(b"</body>", b"<!--" + b"x" * size + b"--></body>")


def recoded(charset: str, meta: str | None = None, bom: bytes = b""):
    """The page in ``charset`` (characters it lacks as character references), its
    ``<meta charset>`` replaced by ``meta`` (None: no meta at all), ``bom`` in front."""
    def change(body: bytes) -> bytes:
        declaration = f'<meta charset="{meta}">' if meta else ""
        html = body.decode("utf-8").replace('<meta charset="utf-8">', declaration, 1)
        return bom + html.encode(charset, "xmlcharrefreplace")
    return change


MALFORMED_LINKS = (b'<a href="http://[::1">bad host</a><a href="//[">bad host</a>'
                   b'<a href="https://www.rt.com:99999/russia/1-bad-port/">bad port</a>')


def with_malformed_links(body: bytes) -> bytes:
    """A listing fragment that also links to URLs no parser accepts."""
    return body + MALFORMED_LINKS
