"""Learner-page fixtures: acme with Ana (employee) and Vid (viewer), globex with Bor."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient

from lms.extensions import db
from lms.models.enums import ModuleStatus, TenantRole
from tests.factories import make_module, make_user, signed_in_client, two_tenants


@dataclass
class Place:
    acme_id: int
    globex_id: int
    ana_id: int
    basics_id: int
    advanced_id: int
    draft_id: int
    globex_module_id: int
    basics_sections: list[int]
    advanced_sections: list[int]
    globex_sections: list[int]
    ana_login: str
    viewer_login: str


@pytest.fixture
def place(app: Flask) -> Place:
    """Built in an app context of its own: requests of the test then get fresh ones, as in production."""
    with app.app_context():
        return _build()


def _build() -> Place:
    world = two_tenants()
    viewer = make_user("vid@acme.test", (world.acme, TenantRole.VIEWER))
    basics = make_module(world.acme, "Safety basics", sections=2)
    advanced = make_module(world.acme, "Safety advanced", sections=3, prerequisites=[basics])
    draft = make_module(world.acme, "Unfinished draft", status=ModuleStatus.DRAFT)
    foreign = make_module(world.globex, "Varnost pri delu", sections=2)
    result = Place(
        acme_id=world.acme.id,
        globex_id=world.globex.id,
        ana_id=world.ana.id,
        basics_id=basics.id,
        advanced_id=advanced.id,
        draft_id=draft.id,
        globex_module_id=foreign.id,
        basics_sections=[s.id for s in basics.sections],
        advanced_sections=[s.id for s in advanced.sections],
        globex_sections=[s.id for s in foreign.sections],
        ana_login=world.ana.get_id(),
        viewer_login=viewer.get_id(),
    )
    db.session.commit()
    return result


@pytest.fixture
def ana(app: Flask, place: Place) -> FlaskClient:
    return signed_in_client(app, place.ana_login, place.acme_id)


@pytest.fixture
def viewer(app: Flask, place: Place) -> FlaskClient:
    return signed_in_client(app, place.viewer_login, place.acme_id)
