"""Are passwords kept as Argon2id hashes that only the right password opens? (issue 4)"""

from __future__ import annotations

from argon2 import PasswordHasher

from lms.services.passwords import hash_password, needs_rehash, verify_password


def test_the_hash_is_argon2id_and_never_the_password() -> None:
    stored = hash_password("correct horse battery staple")

    assert stored.startswith("$argon2id$")
    assert "correct horse" not in stored
    assert hash_password("correct horse battery staple") != stored, "each hash has its own salt"


def test_only_the_right_password_opens_the_hash() -> None:
    stored = hash_password("correct horse battery staple")

    assert verify_password(stored, "correct horse battery staple") is True
    assert verify_password(stored, "Correct horse battery staple") is False
    assert verify_password(stored, "") is False


def test_an_account_without_a_password_or_with_a_damaged_hash_cannot_sign_in() -> None:
    assert verify_password(None, "anything") is False
    assert verify_password("", "anything") is False
    assert verify_password("$argon2id$v=19$m=19456,t=2,p=1$broken", "anything") is False
    assert verify_password("plain text that was never hashed", "plain text that was never hashed") is False


def test_a_hash_made_with_weaker_parameters_asks_to_be_rehashed() -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash("secret")

    assert verify_password(weak, "secret") is True, "an old hash still signs its owner in"
    assert needs_rehash(weak) is True
    assert needs_rehash(hash_password("secret")) is False
