"""Do links stored in notifications and sent in mail follow the routes, also in a job? (issue 11, item 6)"""

from __future__ import annotations

import pytest
from flask import Flask
from werkzeug.routing import BuildError

from lms.services.links import path_for, url_for_mail


def test_a_stored_link_is_the_routes_path_without_a_request(app_ctx: Flask) -> None:
    assert path_for("learner.xp_page") == "/xp"
    assert path_for("learner.my_redemptions") == "/rewards/mine"
    assert path_for("learner.module_page", module_id=7) == "/modules/7"
    assert path_for("learner.quiz_result", module_id=7) == "/modules/7/quiz/result"


def test_a_renamed_route_fails_loudly_instead_of_linking_nowhere(app_ctx: Flask) -> None:
    with pytest.raises(BuildError):
        path_for("learner.no_such_page")
    with pytest.raises(BuildError):
        path_for("learner.module_page")


def test_mail_links_start_at_base_url_whatever_host_was_asked(app: Flask) -> None:
    with app.test_request_context("/", base_url="http://evil.test"):
        link = url_for_mail("auth.accept_invite", token="a b")
    assert link == f"{app.config['BASE_URL']}/invite/a%20b"
