"""Simulated submitters: sign in once, then repeatedly save a draft and submit (or amend and resubmit).

Accounts load-1@bench.example … load-N@bench.example are made by bench/load/run.sh (prepare.py).
"""

import itertools
import re

from locust import HttpUser, between, constant, task

PASSWORD = "load-test-password-2026"
SLUG = "mmip-call-for-evidence"
numbers = itertools.count(1)
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Submitter(HttpUser):
    wait_time = between(1, 3)

    def on_start(self):
        self.email = f"load-{next(numbers)}@bench.example"
        page = self.client.get("/accounts/login/", name="sign-in page")
        token = CSRF.search(page.text).group(1)
        self.client.post(
            "/accounts/login/",
            {"login": self.email, "password": PASSWORD, "csrfmiddlewaretoken": token},
            name="sign in",
        )
        self.response_url = None

    def _token(self, url: str, name: str) -> str:
        return CSRF.search(self.client.get(url, name=name).text).group(1)

    @task
    def draft_and_submit(self):
        if self.response_url is None:
            token = self._token("/", "landing")
            started = self.client.post(
                f"/calls/{SLUG}/start/", {"csrfmiddlewaretoken": token}, name="start", allow_redirects=False
            )
            self.response_url = started.headers["Location"].rsplit("about/", 1)[0]
        about = f"{self.response_url}about/"
        token = self._token(about, "draft page")
        self.client.post(
            about,
            {
                "summary": "We employ 400 people making sterile injectables and need 45 more engineers.",
                "declared_interests": "",
                "csrfmiddlewaretoken": token,
            },
            name="save draft",
        )
        answers = f"{self.response_url}answers/"
        token = self._token(answers, "answers page")
        self.client.post(
            answers,
            {"proposals": "Fund a national sterile manufacturing training centre.", "csrfmiddlewaretoken": token},
            name="save answers",
        )
        token = self._token(f"{self.response_url}check/", "check answers")
        with self.client.post(
            f"{self.response_url}submit/",
            {"csrfmiddlewaretoken": token},
            name="submit",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302 or "confirmation" not in response.headers.get("Location", ""):
                response.failure(f"submit answered {response.status_code} {response.headers.get('Location')}")


class Baseline(HttpUser):
    """The trivial view that reads one row, as fast as the server answers: its throughput, for the ratio."""

    wait_time = constant(0)

    @task
    def health(self):
        self.client.get("/healthz", name="healthz")
