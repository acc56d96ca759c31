"""Does the admin base answer duplicates and malformed ids with a form error or a 4xx, never a 500? (issue 10)"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from lms.models import Group, UserGroup, UserPermission
from tests.admin_views.conftest import Companies

Rows = Callable[..., list[Any]]
DUPLICATE = "This already exists: another record has the same values."


def test_granting_the_same_permission_twice_is_a_form_error(
    client_as: Callable[..., FlaskClient], rows: Rows, companies: Companies
) -> None:
    owner = client_as("owner")
    grant = {"user": str(companies.user_ids["employee"]), "permission": "VIEW_ANALYTICS", "scope": ""}

    first = owner.post("/admin/user_permissions/new/", data=grant)
    second = owner.post("/admin/user_permissions/new/", data=grant)

    assert first.status_code == 302
    assert second.status_code == 200
    assert DUPLICATE in second.text
    assert '<option selected value="VIEW_ANALYTICS">' in second.text, "the form keeps what was chosen"
    granted = sa.select(UserPermission.permission).where(UserPermission.user_id == companies.user_ids["employee"])
    assert len(rows(companies.acme_id, granted)) == 1


def test_adding_a_member_to_a_group_twice_is_a_form_error(
    client_as: Callable[..., FlaskClient], rows: Rows, companies: Companies
) -> None:
    hr = client_as("hr")
    hr.post("/admin/groups/new/", data={"name": "Warehouse", "color": "#1a7f37", "description": ""})
    ((group_id,),) = rows(companies.acme_id, sa.select(Group.id))
    member = {"group": str(group_id), "user": str(companies.user_ids["employee"])}

    first = hr.post("/admin/group_members/new/", data=member)
    second = hr.post("/admin/group_members/new/", data=member)

    assert first.status_code == 302
    assert second.status_code == 200
    assert DUPLICATE in second.text
    assert len(rows(companies.acme_id, sa.select(UserGroup.user_id))) == 1


@pytest.mark.parametrize("pk", ["abc", "99999999999999999999", "2147483648", "1,2", "-1", "", "\u0661"])
@pytest.mark.parametrize("page", ["details", "edit"])
def test_an_id_that_names_no_row_is_404(client_as: Callable[..., FlaskClient], pk: str, page: str) -> None:
    response = client_as("owner").get(f"/admin/groups/{page}/", query_string={"id": pk})

    assert response.status_code == (302 if pk == "" else 404)  # no id at all: back to the list


def test_a_malformed_id_to_delete_changes_nothing(
    client_as: Callable[..., FlaskClient], rows: Rows, companies: Companies
) -> None:
    hr = client_as("hr")
    hr.post("/admin/groups/new/", data={"name": "Warehouse", "color": "#1a7f37", "description": ""})

    deleted = hr.post("/admin/groups/delete/", data={"id": "99999999999999999999"})
    acted = hr.post("/admin/groups/action/", data={"action": "delete", "rowid": ["1", "abc"]})

    assert deleted.status_code == 404
    assert acted.status_code == 400
    assert rows(companies.acme_id, sa.select(Group.name)) == [("Warehouse",)]


@pytest.mark.parametrize("query", ["page=-1", "page=99999999999999999999", "page=abc", "sort=999", "flt0_0=abc"])
def test_a_malformed_list_query_still_shows_a_list(client_as: Callable[..., FlaskClient], query: str) -> None:
    assert client_as("owner").get(f"/admin/groups/?{query}").status_code == 200


def test_a_number_beyond_its_column_is_a_form_error(client_as: Callable[..., FlaskClient], rows: Rows) -> None:
    reward = {"title": "Mug", "description": "", "cost_xp": "99999999999999999999", "active": "y"}

    response = client_as("hr").post("/admin/rewards/new/", data=reward)

    assert response.status_code == 200
    assert "Enter a number from" in response.text
