"""tests/httplib.py — what tests/http_test.py and tests/admin_test.py share:
one HTTP exchange with a `raqib serve` on loopback, and the runner (tests
registered by group, one PASS/FAIL line each, the SIGTERM exit check, the
summary line and exit status). Python 3 standard library only."""

import http.client
import os
import sys
import time
import traceback


def exchange(port, method, path, body=None, headers=None, timeout=15.0):
    """(status, headers with lower-case names, body bytes, the response's
    message headers) of one request to 127.0.0.1:port; repeated headers
    are joined with ", "."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        if isinstance(body, str):
            body = body.encode("utf-8")
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        data = r.read()
        hdrs = {}
        for k, v in r.getheaders():
            k = k.lower()
            hdrs[k] = hdrs[k] + ", " + v if k in hdrs else v
        return r.status, hdrs, data, r.msg
    finally:
        c.close()


class Ctx:
    """Shared state of one group (its server and what earlier tests posted)."""
    pass


class Runner:
    """The tests of one suite, registered with @runner.test(group), and its
    counts."""

    def __init__(self, name):
        self.name = name
        self.tests = []
        self.passed = self.failed = 0
        self.t0 = time.time()

    def test(self, group):
        def deco(fn):
            self.tests.append((group, fn))
            return fn
        return deco

    def args(self):
        """(path of raqib, name filters) from the command line, or None
        after the usage line."""
        if len(sys.argv) < 2:
            print(f"usage: python3 tests/{self.name}.py path/to/raqib [NAME...]", file=sys.stderr)
            return None
        self.t0 = time.time()
        return os.path.abspath(sys.argv[1]), sys.argv[2:]

    def selected(self, group, only):
        """The tests of `group` whose name contains one of `only` (or all
        when `only` is empty or names the group)."""
        return [fn for g, fn in self.tests if g == group
                and (not only or any(o in fn.__name__ or o == g for o in only))]

    def fail(self, what, msg, n=1):
        print(f"FAIL {what}: {msg}")
        self.failed += n

    def run(self, group, fn, ctx):
        t1 = time.time()
        try:
            fn(ctx)
            print(f"PASS {group}/{fn.__name__} ({time.time() - t1:.2f}s)")
            self.passed += 1
        except Exception as e:
            msg = str(e) if isinstance(e, AssertionError) else traceback.format_exc()
            self.fail(f"{group}/{fn.__name__}", msg)

    def died(self, group, fn, srv):
        """True (and a FAIL line) if the server exited during fn."""
        if srv.proc.poll() is None:
            return False
        self.fail(f"{group}/{fn.__name__}", f"the server died "
                  f"(exit {srv.proc.returncode}); stderr:\n{srv.stderr_tail()}")
        return True

    def sigterm(self, group, rc, srv):
        """The group's server must exit 0 on SIGTERM (rc: its exit status)."""
        if rc == 0:
            self.passed += 1
            print(f"PASS {group}/sigterm_exit_0")
        else:
            self.fail(f"{group}/sigterm_exit_0", f"exit status {rc}; stderr tail:\n"
                      f"{srv.stderr_tail()}")

    def summary(self):
        """The last line; the exit status (1 when anything failed)."""
        print(f"{self.name}: {self.passed} passed, {self.failed} failed "
              f"({time.time() - self.t0:.1f}s)")
        return 1 if self.failed else 0
