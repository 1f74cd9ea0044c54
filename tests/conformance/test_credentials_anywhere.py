"""The docs' recipe for pages hosted anywhere with a login cookie: the explicit predicate, and
the safer token design, do what the docs say on every shell."""

from __future__ import annotations

import pytest

from wsgi_cors import ConfigError

from shells import Downstream, Shell

SITES = ["https://course.university.example", "https://attacker.example", "http://127.0.0.1:8000"]


@pytest.mark.parametrize("site", SITES)
def test_an_explicit_predicate_lets_every_site_read_with_the_users_cookie(
    shell: Shell, site: str
) -> None:
    client = shell.wrap(Downstream(), origins=lambda origin: True, supports_credentials=True)
    answer = client.get("/api/me", {"Origin": site, "Cookie": "session=1"})
    assert answer.header("Access-Control-Allow-Origin") == site
    assert answer.header("Access-Control-Allow-Credentials") == "true"
    assert answer.header("Vary") == "Origin"
    preflight = client.preflight(site, "PUT", "content-type")
    assert preflight.status == 204
    assert preflight.header("Access-Control-Allow-Origin") == site


def test_the_implicit_spelling_is_refused_with_the_explicit_one_in_the_hint(shell: Shell) -> None:
    with pytest.raises(ConfigError) as caught:
        shell.wrap(Downstream(), supports_credentials=True)
    (problem,) = caught.value.problems
    assert problem.code == "credentials-with-any-origin"
    assert "origins=lambda origin: ..." in problem.hint


@pytest.mark.parametrize("site", SITES)
def test_the_token_design_lets_every_site_call_without_credentials(shell: Shell, site: str) -> None:
    client = shell.wrap(Downstream(), origins="*", allow_headers=["Authorization"])
    preflight = client.preflight(site, "GET", "authorization")
    assert preflight.status == 204
    assert preflight.header("Access-Control-Allow-Origin") == "*"
    assert preflight.header("Access-Control-Allow-Headers") == "Authorization"
    assert preflight.header("Access-Control-Allow-Credentials") is None
