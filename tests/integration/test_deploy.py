"""Deployment (issue 11): Host and Origin checks, the public URL, trusted proxies, a classroom
LAN, and Debian's nginx in front of a real `fa-learn serve`, all on loopback.

Usage: fa-learn python test_deploy.py FA_LEARN_BINARY SOURCE_DIR TEST
TEST: hosts | origins | lan | proxy | metrics | hostile | ratelimit | nginx | nginx_prefix"""
import http.client
import json
import os
import pathlib
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

# The shared harness: tests/checks.py.
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from checks import check, finish, until  # noqa: E402
from quiz_tokens import sign  # noqa: E402
import serving  # noqa: E402


def quiz_body(data):
    """A JSON submission of the full quiz, with a token signed with data's key (started)."""
    return json.dumps({"name": "Ada", "quiz": "all", "answers": {}, "attempt": sign(data)})


def quiz_form(data):
    """The same as a form."""
    return f"quiz=all&name=Ada&attempt={sign(data)}"


class Server(serving.Server):
    """A server asked over http.client: any Host header, any source address."""

    def __init__(self, binary, data, *flags, host="127.0.0.1"):
        super().__init__(binary, data, "--host", host, *flags)

    def request(self, method, path, body=None, headers=None, source="127.0.0.1"):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30,
                                          source_address=(source, 0))
        try:
            conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            hdrs = {"Host": f"127.0.0.1:{self.port}", **(headers or {})}
            data = body.encode() if isinstance(body, str) else body
            if data is not None:
                hdrs["Content-Length"] = str(len(data))
            for k, v in hdrs.items():
                if v is not None:
                    conn.putheader(k, v)
            conn.endheaders(data)
            resp = conn.getresponse()
            return resp.status, dict(resp.getheaders()), resp.read().decode(errors="replace")
        finally:
            conn.close()


def test_hosts(binary, tmp):
    server = Server(binary, tmp, "--no-sandbox")
    try:
        for host, want in [(f"127.0.0.1:{server.port}", 200), (f"localhost:{server.port}", 200),
                           (f"[::1]:{server.port}", 200), (f"LOCALHOST:{server.port}", 200),
                           (f"rebind.example:{server.port}", 421), ("rebind.example", 421),
                           (f"127.0.0.1:{server.port + 1}", 421), ("127.0.0.1", 421)]:
            status, _, _ = server.request("GET", "/", headers={"Host": host})
            check(status == want, f"GET / with Host {host!r}: {status}, want {want}")
        status, _, _ = server.request("POST", "/api/run", '{"code": "1"}',
                                      {"Host": "rebind.example", "Content-Type": "application/json"})
        check(status == 421, f"POST /api/run from a rebinding name: {status}")
    finally:
        server.stop()
    # Behind a proxy: the public URL's host (and loopback names) only, and links under it.
    server = Server(binary, tmp, "--no-sandbox", "--public-url", "https://course.example/fa/")
    try:
        for host, want in [("course.example", 200), ("course.example:443", 200),
                           ("COURSE.example", 200), (f"127.0.0.1:{server.port}", 200),
                           ("course.example:80", 421), ("evil.example", 421)]:
            status, _, _ = server.request("GET", "/", headers={"Host": host})
            check(status == want, f"public URL: GET / with Host {host!r}: {status}, want {want}")
        status, _, body = server.request(
            "POST", "/api/quiz/submit", quiz_body(tmp),
            {"Host": "course.example", "Content-Type": "application/json",
             "Origin": "https://course.example"})
        url = json.loads(body).get("report_url", "") if status == 201 else body
        check(status == 201 and url.startswith("https://course.example/fa/report/"),
              f"the report link is not under the public URL: {status} {url[:200]}")
    finally:
        server.stop()
    status = subprocess.run([binary, "serve", "--port", "0", "--data", tmp, "--no-sandbox",
                             "--public-url", "ftp://x"], capture_output=True, text=True,
                            timeout=30)
    check(status.returncode == 2 and "public URL" in status.stderr,
          f"a bad public URL: exit {status.returncode} {status.stderr!r}")


def test_origins(binary, tmp):
    server = Server(binary, tmp, "--sandbox-per-client", "16")
    own = f"http://127.0.0.1:{server.port}"
    routes = [("/quiz/submit", "application/x-www-form-urlencoded", quiz_form(tmp)),
              ("/api/quiz/submit", "application/json",
               quiz_body(tmp)),
              ("/api/run", "application/json", json.dumps({"code": "print(1)"}))]
    try:
        for path, ctype, body in routes:
            for headers, refused in [({"Origin": "http://evil.example"}, True),
                                     ({"Origin": "null"}, True),
                                     ({"Origin": f"http://127.0.0.1:{server.port + 1}"}, True),
                                     ({"Referer": "http://evil.example/quiz/all"}, True),
                                     ({"Origin": own}, False),
                                     ({"Referer": own + "/quiz/all"}, False),
                                     ({}, False)]:
                status, _, text = server.request("POST", path, body,
                                                 {"Content-Type": ctype, **headers})
                check((status == 403) == refused,
                      f"POST {path} with {headers}: {status} {text[:120]!r}")
            status, _, _ = server.request("POST", path, body, {"Content-Type": ctype + "foo"})
            check(status == 415, f"POST {path} with Content-Type {ctype}foo: {status}")
    finally:
        server.stop()


def own_addresses():
    out = subprocess.run(["ip", "-o", "addr", "show"], capture_output=True, text=True).stdout
    return [m for m in re.findall(r"inet (\d+\.\d+\.\d+\.\d+)/", out)]


def test_lan(binary, tmp):
    """A classroom without a proxy: --host 0.0.0.0 answers to the machine's own addresses (and
    lists them), and refuses other names."""
    server = Server(binary, tmp, "--no-sandbox", host="0.0.0.0")
    try:
        listed = []
        for _ in range(64):  # the lines after the first, up to the access log's start
            line = server.proc.stdout.readline()
            if not line.startswith("fa-learn: open "):
                break
            listed.append(line.split("open ", 1)[1].strip())
            if len(listed) >= len(own_addresses()) + 1:
                break
        addresses = own_addresses()
        check(addresses and all(f"http://{a}:{server.port}/" in listed for a in addresses),
              f"the start-up lines do not list every address: {listed} vs {addresses}")
        for a in addresses:
            status, _, _ = server.request("GET", "/", headers={"Host": f"{a}:{server.port}"})
            check(status == 200, f"a learner on the LAN (Host {a}): {status}")
        status, _, _ = server.request("GET", "/", headers={"Host": f"{socket.gethostname()}:{server.port}"})
        check(status == 200, f"the machine's host name: {status}")
        status, _, _ = server.request("GET", "/", headers={"Host": f"rebind.example:{server.port}"})
        check(status == 421, f"a rebinding name on the LAN: {status}")
    finally:
        server.stop()


def test_proxy(binary, tmp):
    """Forwarded headers are believed from trusted proxies only: the access log, the links and
    the per-client sandbox share use the client they name."""
    server = Server(binary, tmp, "--trusted-proxy", "127.0.0.1, 10.0.0.0/8",
                    "--sandbox-per-client", "1")
    try:
        server.request("GET", "/wiki", headers={"X-Forwarded-For": "203.0.113.7, 10.1.2.3"})
        server.request("GET", "/quiz", headers={"Forwarded": 'for="[2001:db8::5]:4711";proto=https'})
        server.request("GET", "/search", headers={"X-Forwarded-For": "198.51.100.9"},
                       source="127.0.0.2")
        # The access-log line is written once the answer has gone: wait for it.
        for pattern, what in [
                (r'client=203\.0\.113\.7 method=GET path="/wiki"',
                 "X-Forwarded-For from a trusted proxy as the logged client"),
                (r'client=2001:db8::5 method=GET path="/quiz"',
                 "Forwarded: for= from a trusted proxy as the logged client"),
                (r'client=127\.0\.0\.2 method=GET path="/search"',
                 "the untrusted peer itself as the logged client (its X-Forwarded-For ignored)")]:
            until(lambda: re.search(pattern, server.log()), what, 10)
        status, _, body = server.request(
            "POST", "/api/quiz/submit", quiz_body(tmp),
            {"Content-Type": "application/json", "X-Forwarded-Proto": "https"})
        url = json.loads(body).get("report_url", "") if status == 201 else body
        check(url.startswith(f"https://127.0.0.1:{server.port}/report/"),
              f"X-Forwarded-Proto from a trusted proxy does not make the link https: {url}")
        # Two learners behind the same proxy each have their own share of the sandbox.
        import threading
        answers = {}

        def run(who, code):
            answers[who] = server.request("POST", "/api/run", json.dumps(code),
                                          {"Content-Type": "application/json",
                                           "X-Forwarded-For": who})

        loop = threading.Thread(target=run, args=("192.0.2.1", {
            "code": "open('started', 'w').close()\nwhile True: pass", "time_limit_ms": 3000}))
        loop.start()
        # The first learner's run is going once it made its file (seen through the
        # supervisor's mount namespace, where run folders are quota mounts).
        runs = pathlib.Path(f"/proc/{supervisor_pid(server)}/root{tmp}/runs")
        until(lambda: list(runs.glob("*/started")), "the first learner's run", 20)
        status, _, _ = server.request("POST", "/api/run", json.dumps({"code": "1"}),
                                      {"Content-Type": "application/json",
                                       "X-Forwarded-For": "192.0.2.1"})
        check(status == 429, f"the first learner's second run was not refused: {status}")
        run("192.0.2.2", {"code": "print('second learner')"})
        check(answers["192.0.2.2"][0] == 200 and "second learner" in answers["192.0.2.2"][2],
              f"a second learner behind the same proxy was refused: {answers['192.0.2.2'][:2]}")
        loop.join(30)
    finally:
        server.stop()


def supervisor_pid(server):
    status, _, body = server.request("GET", "/metrics")
    m = re.search(r"^fa_learn_sandbox_supervisor_pid (\d+)$", body, re.M) if status == 200 else None
    if not m:
        raise SystemExit(f"no supervisor pid in /metrics: {status}")
    return int(m.group(1))


def raw_exchange(port, data, source="127.0.0.1", timeout=30):
    """Sends data on a new connection and reads until the server closes or answers: (first
    line of the answer or "", seconds taken)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout,
                                 source_address=(source, 0))
    start = time.monotonic()
    try:
        s.sendall(data)
        got = s.recv(200)
    except OSError as e:
        got = repr(e).encode()
    finally:
        s.close()
    return got.split(b"\r\n", 1)[0].decode(errors="replace"), time.monotonic() - start


def test_hostile(binary, tmp):
    """The HTTP layer under hostile clients: every request gets an answer or is closed by a
    deadline, and one client cannot take every connection."""
    server = Server(binary, tmp, "--no-sandbox")
    port, host = server.port, f"Host: 127.0.0.1:{server.port}\r\n"
    try:
        many = "&".join(["a"] * 240)  # a 646-byte request
        line, _ = raw_exchange(port, f"GET /?{many} HTTP/1.1\r\n{host}\r\n".encode())
        check(line.endswith("414 URI Too Long"), f"240 query values: {line!r}")
        line, _ = raw_exchange(port, f"GET /wi ki HTTP/1.1\r\n{host}\r\n".encode())
        check(" 400 " in line, f"a space in the request line: {line!r}")
        # A chunked body a little past the cap: 413 when it ends.
        chunk = b"4000\r\n" + b"x" * 0x4000 + b"\r\n"
        line, _ = raw_exchange(port, f"POST /api/run HTTP/1.1\r\n{host}Content-Type: "
                               "application/json\r\nTransfer-Encoding: chunked\r\n\r\n".encode()
                               + chunk * 6 + b"0\r\n\r\n")
        check(" 413 " in line, f"a chunked body past the cap: {line!r}")
        # An endless one is cut off: the connection ends, the client is not read for ever.
        s = socket.create_connection(("127.0.0.1", port), timeout=30)
        s.sendall(f"POST /api/run HTTP/1.1\r\n{host}Content-Type: application/json\r\n"
                  "Transfer-Encoding: chunked\r\n\r\n".encode())
        sent = 0
        try:
            while sent < 64 << 20:
                s.sendall(chunk)
                sent += len(chunk)
        except OSError:
            pass
        s.close()
        check(sent < 8 << 20, f"an endless chunked body was read for {sent >> 20} MiB")
        # Slowloris: a header line now and then never completes a request; the deadline ends
        # the connection (the event waited for is the end of the stream).
        s = socket.create_connection(("127.0.0.1", port), timeout=30)
        s.sendall(f"GET / HTTP/1.1\r\n{host}".encode())
        start, closed = time.monotonic(), False
        while time.monotonic() - start < 25 and not closed:
            try:
                s.sendall(b"X-Slow: 1\r\n")
                s.settimeout(1)
                closed = s.recv(100) == b""
            except socket.timeout:
                pass
            except OSError:
                closed = True
        s.close()
        check(closed, "a slowloris connection was never closed")
        # Eight addresses at their cap cannot take the connections kept for others, and past
        # the cap each new connection gets a 503, not a reset.
        held = []
        for i in range(8):
            for _ in range(64):
                held.append(socket.create_connection(("127.0.0.1", port), timeout=10,
                                                     source_address=(f"127.0.2.{i + 1}", 0)))
        line, _ = raw_exchange(port, f"GET / HTTP/1.1\r\n{host}\r\n".encode(), "127.0.2.1")
        check(" 503 " in line, f"one more from an address at its cap: {line!r}")
        # The connections over the limits are closed after a moment: wait for that event.
        import select
        deadline = time.monotonic() + 20
        ended = set()
        while time.monotonic() < deadline and len(ended) < 128:
            readable, _, _ = select.select([c for c in held if c not in ended], [], [], 0.5)
            for c in readable:
                if c.recv(100) == b"":
                    ended.add(c)
        check(len(ended) >= 128, f"connections over the limits were kept: {len(ended)} closed")
        line, _ = raw_exchange(port, f"GET / HTTP/1.1\r\n{host}\r\n".encode(), "127.0.3.1")
        check(line.endswith("200 OK"), f"a newcomer while eight addresses hold 512: {line!r}")
        for c in held:
            c.close()
    finally:
        server.stop()


def test_ratelimit(binary, tmp):
    """Quiz submissions per client and minute: past the limit 429 with Retry-After; another
    client is not affected."""
    server = Server(binary, tmp, "--no-sandbox", "--quiz-rate", "5")
    body = quiz_body(tmp)
    try:
        statuses = [server.request("POST", "/api/quiz/submit", body,
                                   {"Content-Type": "application/json"})[0] for _ in range(6)]
        check(statuses == [201] * 5 + [429], f"six submissions with a limit of five: {statuses}")
        status, headers, _ = server.request("POST", "/quiz/submit", quiz_form(tmp),
                                            {"Content-Type": "application/x-www-form-urlencoded"})
        check(status == 429 and int(headers.get("Retry-After", "0")) > 0,
              f"the form past the limit: {status} {headers.get('Retry-After')}")
        status, _, _ = server.request("POST", "/api/quiz/submit", body,
                                      {"Content-Type": "application/json"}, source="127.0.0.9")
        check(status == 201, f"another client: {status}")
    finally:
        server.stop()


SAMPLE = re.compile(r'^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-z_]+="[^"\\\n]*"(,[a-z_]+="[^"\\\n]*")*\})? '
                    r'(-?[0-9.e+-]+|\+Inf|NaN)$')


def test_metrics(binary, tmp):
    """/metrics in Prometheus' text format, for loopback and the allowed clients only; /healthz
    says no more than status and version."""
    server = Server(binary, tmp, "--trusted-proxy", "127.0.0.1",
                    "--metrics-allow", "198.51.100.0/24")
    try:
        server.request("GET", "/wiki")
        server.request("POST", "/api/run", json.dumps({"code": "print(1)"}),
                       {"Content-Type": "application/json"})
        status, headers, text = server.request("GET", "/metrics")
        check(status == 200 and headers.get("Content-Type", "").startswith("text/plain; version=0.0.4"),
              f"/metrics from loopback: {status} {headers.get('Content-Type')}")
        bad = [line for line in text.splitlines()
               if line and not line.startswith("# ") and not SAMPLE.match(line)]
        check(not bad, f"lines that are not Prometheus samples: {bad[:5]}")
        typed = set(re.findall(r"^# TYPE (\S+) ", text, re.M))
        named = {re.split(r"[{ ]", line)[0] for line in text.splitlines() if line and line[0] != "#"}
        check(all(n in typed or re.sub(r"_(bucket|sum|count)$", "", n) in typed for n in named),
              f"samples without a TYPE line: {sorted(n for n in named if n not in typed)[:5]}")
        for want in ['fa_learn_http_requests_total{route="/wiki",status="200"} 1',
                     'fa_learn_sandbox_runs_total{outcome="ok"} 1',
                     'fa_learn_sandbox_run_duration_seconds_count 1',
                     'fa_learn_sandbox_supervisor_restarts_total 0',
                     'fa_learn_quiz_attempts_stored 0']:
            check(want in text.splitlines(), f"/metrics lacks {want!r}")
        # At least this request's own connection (earlier ones may not be closed yet).
        open_now = re.search(r"^fa_learn_http_open_connections (\d+)$", text, re.M)
        check(open_now and int(open_now.group(1)) >= 1, f"open connections: {open_now}")
        status, _, _ = server.request("GET", "/metrics", headers={"X-Forwarded-For": "203.0.113.7"})
        check(status == 404, f"/metrics for a forwarded outside client: {status}")
        status, _, _ = server.request("GET", "/metrics", headers={"X-Forwarded-For": "198.51.100.4"})
        check(status == 200, f"/metrics for an allowed client: {status}")
        status, _, body = server.request("GET", "/healthz")
        check(status == 200 and set(json.loads(body)) == {"status", "version"},
              f"/healthz says more than status and version: {body}")
    finally:
        server.stop()


NGINX_MAIN = """daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    include {tmp}/fa-learn.conf;
}}
"""


def nginx_config(source, tmp, nginx_port, app_port, prefix=""):
    """The example (contrib/nginx/fa-learn.conf) for a test: the TLS server on a plain loopback
    port (no certificates here), the upstream on the test server's port; with a prefix, the
    path-prefix variant its comments describe."""
    text = pathlib.Path(source, "contrib", "nginx", "fa-learn.conf").read_text()
    if prefix:
        text = text.replace("    location / {", f"    location {prefix}/ {{")
        text = text.replace("proxy_pass http://127.0.0.1:8080;", "proxy_pass http://127.0.0.1:8080/;")
    text = text.replace("127.0.0.1:8080", f"127.0.0.1:{app_port}")
    text = re.sub(r"listen 443 ssl[^;]*;", f"listen 127.0.0.1:{nginx_port};", text)
    text = re.sub(r"listen \[::\]:443 ssl[^;]*;", "", text)
    text = re.sub(r"^\s*(ssl_|http2|add_header Strict)[^;]*;", "", text, flags=re.M)
    # The plain-http redirect server is not needed for the test.
    text = re.sub(r"server \{\s*listen 80;.*?\n\}\n", "", text, flags=re.S)
    return text


def test_nginx(binary, tmp, prefix=""):
    """Debian's nginx in front of fa-learn, configured from the example: pages, a sandbox run,
    a quiz submission whose report link starts with the public URL, the client's address in
    the access log; with a prefix, every link of a page inside it."""
    source = sys.argv[2]
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        nginx_port = s.getsockname()[1]
    public = "https://course.example"
    server = Server(binary, tmp, "--public-url", public + prefix, "--trusted-proxy", "127.0.0.1",
                    "--sandbox-per-client", "4")
    conf = pathlib.Path(tmp, "fa-learn.conf")
    conf.write_text(nginx_config(source, tmp, nginx_port, server.port, prefix))
    pathlib.Path(tmp, "nginx.conf").write_text(NGINX_MAIN.format(tmp=tmp))
    proc = subprocess.Popen([nginx, "-p", tmp, "-c", f"{tmp}/nginx.conf"],
                            stderr=subprocess.PIPE, text=True)
    try:
        def accepting():  # nginx is up when it accepts a connection (or it died)
            try:
                socket.create_connection(("127.0.0.1", nginx_port), timeout=1).close()
                return True
            except OSError:
                return proc.poll() is not None

        until(accepting, "nginx to accept connections", 20)
        check(proc.poll() is None, f"nginx did not start: {proc.stderr.read() if proc.poll() is not None else ''}")

        def via_nginx(method, path, body=None, headers=None):
            # From another loopback address than nginx's own: the forwarded client differs
            # from the peer fa-learn sees.
            conn = http.client.HTTPConnection("127.0.0.1", nginx_port, timeout=30,
                                              source_address=("127.0.0.3", 0))
            try:
                conn.request(method, prefix + path, body,
                             {"Host": "course.example", **(headers or {})})
                resp = conn.getresponse()
                return resp.status, resp.read().decode(errors="replace"), resp.getheader("Location")
            finally:
                conn.close()

        status, page, _ = via_nginx("GET", "/wiki")
        check(status == 200 and "<title>" in page, f"a page through nginx: {status}")
        links = re.findall(r'(?:href|src|action)="(/[^"]*)"', page)
        outside = [l for l in links if not l.startswith(prefix + "/")]
        check(links and not outside, f"links outside the prefix {prefix!r}: {outside[:5]}")
        asset = next((l for l in links if "/static/" in l), None)
        if asset:
            status, _, _ = via_nginx("GET", asset[len(prefix):])
            check(status == 200, f"a page's stylesheet or script through nginx: {status}")
        status, body, _ = via_nginx("POST", "/api/run", json.dumps({"code": "print(6 * 7)"}),
                                    {"Content-Type": "application/json", "Origin": public})
        check(status == 200 and json.loads(body).get("stdout") == "42\n",
              f"a sandbox run through nginx: {status} {body[:200]}")
        status, body, _ = via_nginx("POST", "/api/quiz/submit",
                                    quiz_body(tmp),
                                    {"Content-Type": "application/json", "Origin": public})
        url = json.loads(body).get("report_url", "") if status == 201 else body
        check(status == 201 and url.startswith(public + prefix + "/report/"),
              f"the report link through nginx: {status} {url[:200]}")
        status, _, location = via_nginx("POST", "/quiz/submit", quiz_form(tmp),
                                        {"Content-Type": "application/x-www-form-urlencoded",
                                         "Origin": public})
        check(status == 303 and (location or "").startswith(prefix + "/report/"),
              f"the form's redirect through nginx: {status} {location}")
        until(lambda: re.search(r'client=127\.0\.0\.3 method=GET path="/wiki"', server.log()),
              "the access log naming the client nginx forwarded for", 10)
    finally:
        proc.send_signal(signal.SIGQUIT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        server.stop()


def test_nginx_prefix(binary, tmp):
    test_nginx(binary, tmp, "/fa")


def main():
    binary, name = sys.argv[1], sys.argv[3]
    tmp = tempfile.mkdtemp(prefix="fa-deploy-")
    os.chmod(tmp, 0o755)
    try:
        globals()["test_" + name](binary, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    finish(name)


if __name__ == "__main__":
    main()
