"""Does the media library take only what it can use, process it, and delete it in two phases? (issue 16, item 2)"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from lms.extensions import db
from lms.models import AuditLog, JobOutbox, MediaAsset, Section
from lms.models.enums import (
    AuditAction,
    MediaAssetStatus,
    MediaAssetType,
    MediaProvider,
    TenantPlan,
    VideoSourceType,
    VideoStatus,
)
from lms.services import media, plans
from lms.services.media import AssetInUse, MediaRejected
from lms.services.plans import PlanLimitReached
from lms.storage import get_storage, read_bytes, save_bytes
from lms.tenancy import tenant_context
from tests.factories import TwoTenants, make_module, two_tenants
from tests.services.test_file_types import MZ_EXECUTABLE, docx_bytes, mp4_bytes, pdf_bytes, webm_bytes


@pytest.fixture
def world(app_ctx: Flask) -> TwoTenants:
    return two_tenants()


def _upload(world: TwoTenants, data: bytes, kind: MediaAssetType, name: str = "file", title: str = "") -> MediaAsset:
    with tenant_context(world.acme.id):
        return media.upload_asset(io.BytesIO(data), name, title, kind, None)


def _processed(world: TwoTenants, data: bytes, kind: MediaAssetType, name: str = "file") -> MediaAsset:
    """Upload and commit: the processing job runs inline after the commit (the embedded mode)."""
    asset = _upload(world, data, kind, name)
    asset_id = asset.id
    db.session.commit()
    db.session.expire_all()
    with tenant_context(world.acme.id):
        return db.session.get(MediaAsset, asset_id)


def _stored_files(app: Flask) -> set[str]:
    root = Path(app.config["STORAGE_DIR"])
    return {str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()}


@pytest.mark.parametrize(
    ("data", "kind", "content_type"),
    [
        (mp4_bytes(), MediaAssetType.VIDEO, "video/mp4"),
        (webm_bytes(), MediaAssetType.VIDEO, "video/webm"),
        (pdf_bytes(), MediaAssetType.DOCUMENT, "application/pdf"),
        (
            docx_bytes(),
            MediaAssetType.DOCUMENT,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
    ],
)
def test_each_type_is_stored_under_the_tenants_key_and_queued_for_processing(
    world: TwoTenants, data: bytes, kind: MediaAssetType, content_type: str
) -> None:
    asset = _upload(world, data, kind, name="upload.bin", title="Onboarding")

    assert asset.status is MediaAssetStatus.PROCESSING
    assert asset.provider is MediaProvider.LOCAL
    assert asset.content_type == content_type
    assert asset.size_bytes == len(data)
    assert asset.title == "Onboarding"
    assert asset.storage_path.startswith(f"tenants/{world.acme.id}/media/")
    assert read_bytes(get_storage(), asset.storage_path) == data
    jobs = db.session.scalars(sa.select(JobOutbox).where(JobOutbox.path == "lms.services.media:process_asset")).all()
    assert [(job.args, job.tenant_id) for job in jobs] == [([world.acme.id, asset.id], world.acme.id)]


def test_a_pdf_offered_as_a_video_is_refused_naming_what_it_is(world: TwoTenants, app_ctx: Flask) -> None:
    before = _stored_files(app_ctx)
    with pytest.raises(MediaRejected, match="This file is a PDF document, not a video"):
        _upload(world, pdf_bytes(), MediaAssetType.VIDEO, name="clip.mp4")
    assert _stored_files(app_ctx) == before


def test_a_video_offered_as_a_document_is_refused(world: TwoTenants) -> None:
    with pytest.raises(MediaRejected, match="This file is an MP4 video, not a document"):
        _upload(world, mp4_bytes(), MediaAssetType.DOCUMENT, name="policy.pdf")


def test_an_executable_renamed_mp4_is_refused_and_nothing_is_written(world: TwoTenants, app_ctx: Flask) -> None:
    before = _stored_files(app_ctx)
    with pytest.raises(MediaRejected, match="not a video we can play"):
        _upload(world, MZ_EXECUTABLE, MediaAssetType.VIDEO, name="clip.mp4")
    with tenant_context(world.acme.id):
        assert db.session.scalar(sa.select(sa.func.count(MediaAsset.id))) == 0
    assert _stored_files(app_ctx) == before


def test_an_upload_beyond_the_plans_storage_is_refused(
    world: TwoTenants, app_ctx: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.acme.plan = TenantPlan.FREE
    monkeypatch.setitem(plans.STORAGE_LIMITS, TenantPlan.FREE, 2 * len(pdf_bytes()))
    _upload(world, pdf_bytes(), MediaAssetType.DOCUMENT)
    _upload(world, pdf_bytes(), MediaAssetType.DOCUMENT)
    before = _stored_files(app_ctx)

    with pytest.raises(PlanLimitReached, match=r"The FREE plan allows .* of files"):
        _upload(world, pdf_bytes(), MediaAssetType.DOCUMENT)
    assert _stored_files(app_ctx) == before


def test_deleted_files_do_not_count_against_the_plan(world: TwoTenants, monkeypatch: pytest.MonkeyPatch) -> None:
    world.acme.plan = TenantPlan.FREE
    monkeypatch.setitem(plans.STORAGE_LIMITS, TenantPlan.FREE, len(pdf_bytes()))
    first = _upload(world, pdf_bytes(), MediaAssetType.DOCUMENT)
    with tenant_context(world.acme.id):
        media.delete_asset(first)
    _upload(world, pdf_bytes(), MediaAssetType.DOCUMENT)


def test_the_free_plan_stores_one_gigabyte_and_pro_is_unlimited() -> None:
    assert plans.STORAGE_LIMITS == {TenantPlan.FREE: 1024**3, TenantPlan.STARTER: 50 * 1024**3, TenantPlan.PRO: None}


def test_a_document_is_read_into_its_text_and_ready(world: TwoTenants) -> None:
    asset = _processed(world, pdf_bytes("Wear a helmet on the site."), MediaAssetType.DOCUMENT)

    assert asset.status is MediaAssetStatus.READY
    assert "Wear a helmet on the site." in asset.extracted_text


def test_a_word_document_is_read_too(world: TwoTenants) -> None:
    asset = _processed(world, docx_bytes("Lock the machine before cleaning it."), MediaAssetType.DOCUMENT)

    assert asset.status is MediaAssetStatus.READY
    assert "Lock the machine before cleaning it." in asset.extracted_text


def test_a_document_without_text_fails_with_the_readers_message(world: TwoTenants) -> None:
    asset = _processed(world, pdf_bytes(""), MediaAssetType.DOCUMENT)

    assert asset.status is MediaAssetStatus.FAILED
    assert "scanned documents are not supported" in asset.error


@pytest.mark.parametrize(("data", "seconds"), [(mp4_bytes(seconds=95), 95), (webm_bytes(seconds=7.4), 7)])
def test_a_video_gets_its_duration_and_is_ready(world: TwoTenants, data: bytes, seconds: int) -> None:
    asset = _processed(world, data, MediaAssetType.VIDEO)

    assert asset.status is MediaAssetStatus.READY
    assert asset.duration_seconds == seconds
    assert asset.size_bytes == len(data)


def test_a_webm_without_a_duration_is_ready_without_one(world: TwoTenants) -> None:
    asset = _processed(world, webm_bytes(seconds=None), MediaAssetType.VIDEO)

    assert asset.status is MediaAssetStatus.READY
    assert asset.duration_seconds is None


def test_a_cut_off_video_fails_with_a_message(world: TwoTenants) -> None:
    asset = _processed(world, mp4_bytes()[:40], MediaAssetType.VIDEO)

    assert asset.status is MediaAssetStatus.FAILED
    assert asset.error == "The video file is damaged or incomplete; upload it again."


def test_storage_failing_on_the_last_try_fails_the_asset_with_a_message(world: TwoTenants, app_ctx: Flask) -> None:
    asset = _upload(world, pdf_bytes("Wear a helmet on the site."), MediaAssetType.DOCUMENT)
    stored = Path(app_ctx.config["STORAGE_DIR"]) / asset.storage_path
    stored.unlink()
    stored.mkdir()  # a directory where the file was: reading it fails, as a broken disk would
    try:
        media.process_asset(world.acme.id, asset.id)  # inline: this try is the last
    finally:
        stored.rmdir()

    assert asset.status is MediaAssetStatus.FAILED
    assert asset.error == "The stored file could not be read; upload it again."


def test_processing_twice_changes_nothing_more(world: TwoTenants) -> None:
    asset = _processed(world, mp4_bytes(seconds=30), MediaAssetType.VIDEO)
    asset.duration_seconds = 31  # a later edit the second run must not overwrite
    db.session.flush()

    media.process_asset(world.acme.id, asset.id)

    assert asset.duration_seconds == 31


def test_sections_showing_the_video_follow_its_processing(world: TwoTenants) -> None:
    asset = _upload(world, mp4_bytes(), MediaAssetType.VIDEO)
    module = make_module(world.acme, "Safety", sections=1)
    with tenant_context(world.acme.id):
        section = module.sections[0]
        section.video_source_type = VideoSourceType.UPLOAD
        section.media_asset_id = asset.id
        section.video_status = VideoStatus.PENDING
        section_id = section.id
    db.session.commit()
    db.session.expire_all()

    with tenant_context(world.acme.id):
        assert db.session.get(Section, section_id).video_status is VideoStatus.READY


def test_a_stream_video_is_registered_ready_and_its_id_checked(world: TwoTenants) -> None:
    uid = "0123456789abcdef0123456789abcdef"
    with tenant_context(world.acme.id):
        asset = media.register_stream_video("Welcome", uid.upper(), None)
        assert asset.status is MediaAssetStatus.READY
        assert asset.provider is MediaProvider.CLOUDFLARE_STREAM
        assert asset.cf_stream_uid == uid
        with pytest.raises(MediaRejected, match="32 characters"):
            media.register_stream_video("Welcome", "not-a-uid", None)
        with pytest.raises(MediaRejected, match="already in a media library"):
            media.register_stream_video("Again", uid, None)


def test_an_asset_in_use_cannot_be_deleted_and_the_sections_are_named(world: TwoTenants) -> None:
    asset = _upload(world, mp4_bytes(), MediaAssetType.VIDEO, title="Intro")
    module = make_module(world.acme, "Forklift safety", sections=1)
    with tenant_context(world.acme.id):
        module.sections[0].media_asset_id = asset.id
        db.session.flush()
        with pytest.raises(AssetInUse, match="Forklift safety — Forklift safety: part 1"):
            media.delete_asset(asset)
    assert asset.status is MediaAssetStatus.PROCESSING


@pytest.fixture
def deleted(world: TwoTenants) -> MediaAsset:
    asset = _upload(world, pdf_bytes(), MediaAssetType.DOCUMENT, title="Old policy")
    with tenant_context(world.acme.id):
        media.delete_asset(asset)
    db.session.flush()
    return asset


def test_deleting_an_unused_asset_marks_it_and_is_audited(world: TwoTenants, deleted: MediaAsset) -> None:
    assert deleted.status is MediaAssetStatus.DELETE_PENDING
    with tenant_context(world.acme.id):
        entry = db.session.scalar(sa.select(AuditLog).where(AuditLog.action == AuditAction.RECORD_DELETED))
    assert (entry.entity_type, entry.entity_id) == ("media_asset", str(deleted.id))


def test_cleanup_removes_the_stored_file_and_then_the_row(
    world: TwoTenants, deleted: MediaAsset, app_ctx: Flask
) -> None:
    key, asset_id = deleted.storage_path, deleted.id

    assert media.tenant_media_cleanup(world.acme.id) == 1

    assert key not in _stored_files(app_ctx)
    with tenant_context(world.acme.id):
        assert db.session.get(MediaAsset, asset_id) is None


def test_cleanup_of_another_company_leaves_this_ones_files(
    world: TwoTenants, deleted: MediaAsset, app_ctx: Flask
) -> None:
    assert media.tenant_media_cleanup(world.globex.id) == 0
    assert deleted.storage_path in _stored_files(app_ctx)


def test_a_stream_asset_has_no_file_and_its_row_just_goes(world: TwoTenants) -> None:
    with tenant_context(world.acme.id):
        asset = media.register_stream_video("Welcome", "0123456789abcdef0123456789abcdef", None)
        media.delete_asset(asset)
        asset_id = asset.id
    assert media.tenant_media_cleanup(world.acme.id) == 1
    with tenant_context(world.acme.id):
        assert db.session.get(MediaAsset, asset_id) is None


def test_a_failing_removal_is_retried_then_delete_failed(
    world: TwoTenants, deleted: MediaAsset, app_ctx: Flask
) -> None:
    stored = Path(app_ctx.config["STORAGE_DIR"]) / deleted.storage_path
    stored.unlink()
    (stored / "inside").mkdir(parents=True)  # a directory where the file was: unlink fails, even for root
    try:
        for attempt in range(1, media.MAX_DELETE_ATTEMPTS + 1):
            assert media.tenant_media_cleanup(world.acme.id) == 0
            assert deleted.delete_attempts == attempt
        assert deleted.status is MediaAssetStatus.DELETE_FAILED
        assert "is not writable" in deleted.error
        assert media.tenant_media_cleanup(world.acme.id) == 0  # no attempts left: not tried again
        assert deleted.delete_attempts == media.MAX_DELETE_ATTEMPTS
    finally:
        shutil.rmtree(stored)

    with tenant_context(world.acme.id):
        media.delete_asset(deleted)  # HR deletes it again: fresh attempts
    assert (deleted.status, deleted.delete_attempts) == (MediaAssetStatus.DELETE_PENDING, 0)
    assert media.tenant_media_cleanup(world.acme.id) == 1


def test_bulk_delete_is_all_or_nothing_and_audited_once(world: TwoTenants) -> None:
    first = _upload(world, pdf_bytes(), MediaAssetType.DOCUMENT, title="First")
    second = _upload(world, mp4_bytes(), MediaAssetType.VIDEO, title="Second")
    module = make_module(world.acme, "Safety", sections=1)
    with tenant_context(world.acme.id):
        module.sections[0].media_asset_id = second.id
        db.session.flush()
        with pytest.raises(AssetInUse, match=r"Second \(Safety — Safety: part 1\)"):
            media.delete_assets([first, second])
        assert first.status is MediaAssetStatus.PROCESSING

        module.sections[0].media_asset_id = None
        media.delete_assets([first, second])
        entries = db.session.scalars(sa.select(AuditLog).where(AuditLog.action == AuditAction.ASSET_BULK_DELETED)).all()
    assert {first.status, second.status} == {MediaAssetStatus.DELETE_PENDING}
    assert [entry.details for entry in entries] == [{"ids": [first.id, second.id], "titles": ["First", "Second"]}]


def test_save_bytes_keys_of_other_kinds_are_untouched_by_cleanup(world: TwoTenants, app_ctx: Flask) -> None:
    """Cleanup removes only what a deleted asset names."""
    save_bytes(get_storage(), f"tenants/{world.acme.id}/covers/keep.png", b"\x89PNG")
    media.tenant_media_cleanup(world.acme.id)
    assert f"tenants/{world.acme.id}/covers/keep.png" in _stored_files(app_ctx)
