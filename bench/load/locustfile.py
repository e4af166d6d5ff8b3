"""Simulated submitters: sign in once, then work through their response page by page, pausing between
pages as a person does, and submit (or amend and resubmit); repeat until the run ends.

Accounts load-1@bench.example … load-N@bench.example are made by bench/load/run.sh (prepare.py). The
pause on each page is THINK_MIN–THINK_MAX seconds (default 10–30): brisk for someone writing evidence into
a form (each simulated person submits or amends about once a minute and a half), and at 200 users about
ten requests a second, 70 submissions a minute.
"""

import itertools
import os
import re

from locust import FastHttpUser, between, constant, task

PASSWORD = "load-test-password-2026"
SLUG = "mmip-call-for-evidence"
THINK = float(os.environ.get("THINK_MIN", 10)), float(os.environ.get("THINK_MAX", 30))
numbers = itertools.count(1)
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Submitter(FastHttpUser):
    wait_time = between(*THINK)

    def on_start(self):
        self.email = f"load-{next(numbers)}@bench.example"
        self.round = 0
        page = self.client.get("/accounts/login/", name="sign-in page")
        self.wait()
        self.client.post(
            "/accounts/login/",
            {"login": self.email, "password": PASSWORD, "csrfmiddlewaretoken": CSRF.search(page.text).group(1)},
            name="sign in",
        )
        self.response_url = None

    def _open(self, url: str, name: str) -> str:
        """Open a page, read it for a while, and return its form's CSRF token."""
        token = CSRF.search(self.client.get(url, name=name).text).group(1)
        self.wait()
        return token

    @task
    def draft_and_submit(self):
        """As a browser does it: each save follows its redirect to the next section's page."""
        self.round += 1
        if self.response_url is None:
            token = self._open("/", "landing")
            started = self.client.post(
                f"/calls/{SLUG}/start/", {"csrfmiddlewaretoken": token}, name="start", allow_redirects=False
            )
            self.response_url = started.headers["Location"].rsplit("about/", 1)[0]
            # The confidentiality choice is explicit and made once: without it every submit is sent back to
            # "check your answers".
            confidentiality = f"{self.response_url}confidentiality/"
            self.client.post(
                confidentiality,
                {
                    "confidentiality": "publishable",
                    "consent_to_publish": "on",
                    "csrfmiddlewaretoken": self._open(confidentiality, "confidentiality page"),
                },
                name="save confidentiality",
            )
            self.wait()
        # Each round changes the text, so every save writes (an unchanged save writes nothing).
        about, answers = f"{self.response_url}about/", f"{self.response_url}answers/"
        answers_page = self.client.post(
            about,
            {
                "summary": f"We employ 400 people making sterile injectables and need {self.round} more engineers.",
                "declared_interests": "",
                "next": answers,
                "csrfmiddlewaretoken": self._open(about, "draft page"),
            },
            name="save draft (then the answers page)",
        )
        self.wait()
        self.client.post(
            answers,
            {
                "proposals": f"Fund {self.round} national sterile manufacturing training centres.",
                "next": f"{self.response_url}data/",
                "csrfmiddlewaretoken": CSRF.search(answers_page.text).group(1),
            },
            name="save answers (then the data points page)",
        )
        self.wait()
        token = self._open(f"{self.response_url}check/", "check answers")
        with self.client.post(
            f"{self.response_url}submit/",
            {"csrfmiddlewaretoken": token},
            name="submit",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302 or "confirmation" not in response.headers.get("Location", ""):
                response.failure(f"submit answered {response.status_code} {response.headers.get('Location')}")
                return
        self.client.get(response.headers["Location"], name="confirmation")  # then the pause between rounds


class Baseline(FastHttpUser):
    """The trivial view that reads one row, as fast as the server answers: its throughput, for the ratio."""

    wait_time = constant(0)

    @task
    def health(self):
        self.client.get("/healthz", name="healthz")


class PagePass(FastHttpUser):
    """One page as fast as the server answers it (bench/load/pages.sh), for its throughput against
    /healthz's in the same run. PAGE: healthz, response (the response page), draft (a draft save that
    changes the text), submit (an amendment then a submit; only the submit is counted as "submit").
    Signed in through a prepared session (SESSIONS_FILE), so no sign-in's password hashing is measured."""

    wait_time = constant(0)
    page = os.environ.get("PAGE", "healthz")

    def on_start(self):
        if self.page == "healthz":
            return
        keys = open(os.environ["SESSIONS_FILE"]).read().split()
        self.client.cookiejar.set_cookie(_cookie("sessionid", keys[next(numbers) % len(keys)]))
        landing = self.client.get("/", name="landing (set-up)")
        started = self.client.post(
            f"/calls/{SLUG}/start/",
            {"csrfmiddlewaretoken": CSRF.search(landing.text).group(1)},
            name="start (set-up)",
            allow_redirects=False,
        )
        self.response_url = started.headers["Location"].rsplit("about/", 1)[0]
        self.token = CSRF.search(self.client.get(f"{self.response_url}about/", name="draft page (set-up)").text).group(
            1
        )
        self.round = 0
        if self.page == "submit":
            # A response needs a proposal or an answer, and an explicit confidentiality choice, before it can
            # be submitted; without them every submit is sent back to "check your answers".
            for section, data in (
                ("answers", {"proposals": "Fund national sterile training centres."}),
                ("confidentiality", {"confidentiality": "publishable", "consent_to_publish": "on"}),
            ):
                with self.client.post(
                    f"{self.response_url}{section}/",
                    {**data, "csrfmiddlewaretoken": self.token},
                    name=f"{section} (set-up)",
                    allow_redirects=False,
                    catch_response=True,
                ) as response:
                    if response.status_code != 302:
                        response.failure(f"{section} not saved: {response.status_code}")

    def _save(self, name: str):
        self.round += 1
        # A browser follows the save's redirect and the next page shows (and so clears) its "saved" message;
        # this pass does not follow it, so it drops the message itself rather than send back a cookie of
        # every unread one (up to 2 KB, re-encoded on each save).
        for cookie in [c for c in self.client.cookiejar if c.name == "messages"]:
            self.client.cookiejar.clear(cookie.domain, cookie.path, cookie.name)
        return self.client.post(
            f"{self.response_url}about/",
            {
                "summary": f"We employ 400 people making sterile injectables and need {self.round} more engineers.",
                "declared_interests": "",
                "csrfmiddlewaretoken": self.token,
            },
            name=name,
            allow_redirects=False,
        )

    @task
    def one_page(self):
        if self.page == "healthz":
            self.client.get("/healthz", name="healthz")
        elif self.page == "response":
            self.client.get(self.response_url, name="response page")
        elif self.page == "draft":
            self._save("draft save")
        elif self.page == "submit":
            self._save("amend (before submit)")
            with self.client.post(
                f"{self.response_url}submit/",
                {"csrfmiddlewaretoken": self.token},
                name="submit",
                allow_redirects=False,
                catch_response=True,
            ) as response:
                if response.status_code != 302 or "confirmation" not in response.headers.get("Location", ""):
                    response.failure(f"submit answered {response.status_code} {response.headers.get('Location')}")


def _cookie(name: str, value: str):
    from http.cookiejar import Cookie

    return Cookie(0, name, value, None, False, "127.0.0.1", False, False, "/", True, False, None, True, None, None, {})
