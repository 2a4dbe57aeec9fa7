"""serving.py: a real `fa-learn serve` for the Python test scripts (imported from tests/).

Server starts the binary on a free loopback port with its data in `data` and returns once the
server has printed its first line, the URL it serves: the event itself, read from its
standard output. Its standard error goes to data/stderr.log (log() reads it so far).
request() sends one request and never raises on an HTTP error status."""
import os
import signal
import subprocess
import urllib.error
import urllib.request


class Server:
    def __init__(self, binary, data, *flags, env=None, must_start=True):
        """flags follow `serve --port 0 --data DATA`. With must_start (the default) a server
        that prints no URL stops the script with its standard error; otherwise base is None
        and the caller looks at proc and log()."""
        self.err = open(os.path.join(data, "stderr.log"), "w+")
        self.proc = subprocess.Popen([binary, "serve", "--port", "0", "--data", data, *flags],
                                     stdout=subprocess.PIPE, stderr=self.err, text=True,
                                     env=None if env is None else {**os.environ, **env})
        line = self.proc.stdout.readline()
        self.base = line.split("serving ", 1)[1].strip().rstrip("/") if "serving " in line \
            else None
        self.port = int(self.base.rsplit(":", 1)[1]) if self.base else None
        if self.base is None and must_start:
            self.proc.kill()
            self.proc.wait(timeout=30)
            raise SystemExit(f"the server did not start: {line!r}\n{self.log()}")

    def log(self):
        self.err.flush()
        self.err.seek(0)
        return self.err.read()

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        self.proc.wait(timeout=30)
        self.err.close()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


# Built once: building an opener costs about 40 ms, a request over loopback far less.
OPENER = urllib.request.build_opener()
OPENER_NO_REDIRECT = urllib.request.build_opener(NoRedirect)


def request(base, path, data=None, content_type=None, follow=True, headers=()):
    """(status, headers, body) of one request; data (bytes) makes it a POST."""
    req = urllib.request.Request(base + path, data=data)
    if content_type:
        req.add_header("Content-Type", content_type)
    for name, value in headers:
        req.add_header(name, value)
    opener = OPENER if follow else OPENER_NO_REDIRECT
    try:
        with opener.open(req, timeout=30) as resp:
            return resp.status, resp.headers, resp.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode()
