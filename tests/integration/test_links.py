"""Crawls a real `fa-learn serve` from / and checks every internal link and picture of every
page it reaches: the target answers 200, and a #fragment names an element id of the target
page (the trace table's and the gallery's wiki links are links of /sandbox, so they are
covered too). Also checks that every wiki page was reached and that each image has alt text.
Usage: fa-learn python test_links.py FA_LEARN_BINARY"""
import html.parser
import os
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))
from serving import Server  # noqa: E402


class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.links, self.images_without_alt = set(), [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        for name in ("href", "src"):
            if a.get(name) and not (tag == "a" and a.get(name, "").startswith("/sandbox#code=")):
                self.links.append(a[name])
        if tag == "img" and not (a.get("alt") or "").strip():
            self.images_without_alt.append(a.get("src"))


def main():
    binary = sys.argv[1]
    with tempfile.TemporaryDirectory() as data:
        server = Server(binary, data, "--quiet", "--no-sandbox")
        try:
            return crawl(server.base)
        finally:
            server.stop()


def crawl(base):
    pages, problems, queue, seen = {}, [], ["/"], {"/"}
    while queue:
        path = queue.pop()
        try:
            with urllib.request.urlopen(base + path, timeout=10) as resp:
                body = resp.read()
                kind = resp.headers.get("Content-Type", "")
        except urllib.error.HTTPError as e:
            problems.append(f"{path}: {e.code}")
            continue
        if not kind.startswith("text/html"):
            continue
        page = Page()
        page.feed(body.decode())
        pages[path] = page
        problems += [f"{path}: an image without alt text: {src}" for src in page.images_without_alt]
        for link in page.links:
            url = urllib.parse.urlsplit(link)
            if url.scheme or url.netloc:
                continue  # another site
            target = url.path or path
            if url.query:
                target += "?" + url.query
            if target not in seen:
                seen.add(target)
                queue.append(target)
    # Fragments, now that every page is known.
    for path, page in pages.items():
        for link in page.links:
            url = urllib.parse.urlsplit(link)
            if url.scheme or url.netloc or not url.fragment:
                continue
            target = pages.get(url.path or path)
            if target is None:
                problems.append(f"{path}: {link}: the page was not crawled")
            elif url.fragment not in target.ids:
                problems.append(f"{path}: {link}: no element with that id")
    wiki = [p for p in pages if p.startswith("/wiki/") and p != "/wiki/"]
    if len(wiki) < 2:
        problems.append(f"only {len(wiki)} wiki pages reached")
    for p in problems:
        print("FAIL", p)
    print(f"{len(seen)} addresses, {len(pages)} pages ({len(wiki)} wiki pages), "
          f"{len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
