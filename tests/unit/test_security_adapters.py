"""The security adapters: argon2id passwords, keyed hashes, random secrets, common passwords."""
from __future__ import annotations

import pytest

from areaclienti.adapters.security.argon2 import Argon2PasswordHasher
from areaclienti.adapters.security.blocklist import ZxcvbnPasswordBlocklist
from areaclienti.adapters.security.generators import SystemSecretGenerator
from areaclienti.adapters.security.hmac_hasher import HmacSecretHasher


@pytest.fixture(scope="module")
def hasher():
    return Argon2PasswordHasher.fast_for_tests()


class TestArgon2PasswordHasher:
    def test_hashes_with_argon2id_and_verifies_the_same_password(self, hasher):
        password_hash = hasher.hash("una frase lunga e mia")
        assert password_hash.startswith("$argon2id$")
        assert hasher.verify(password_hash, "una frase lunga e mia")

    def test_each_hash_is_salted(self, hasher):
        assert hasher.hash("stessa password") != hasher.hash("stessa password")

    def test_a_wrong_password_is_false_not_an_exception(self, hasher):
        assert not hasher.verify(hasher.hash("una frase lunga e mia"), "una frase lunga e tua")

    @pytest.mark.parametrize("garbage", ["", "not-a-hash", "$argon2id$v=19$m=8,t=1,p=1$broken"])
    def test_an_unreadable_hash_verifies_nothing(self, hasher, garbage):
        assert not hasher.verify(garbage, "qualunque")

    def test_a_hash_with_the_current_parameters_needs_no_rehash(self, hasher):
        assert not hasher.needs_rehash(hasher.hash("una frase lunga e mia"))

    def test_a_hash_made_with_weaker_parameters_needs_a_rehash(self, hasher):
        stronger = Argon2PasswordHasher(time_cost=2, memory_cost=16, parallelism=1)
        old_hash = hasher.hash("una frase lunga e mia")
        assert stronger.verify(old_hash, "una frase lunga e mia")  # old hashes keep working
        assert stronger.needs_rehash(old_hash)
        assert not stronger.needs_rehash(stronger.hash("una frase lunga e mia"))

    def test_an_unreadable_hash_needs_a_rehash(self, hasher):
        assert hasher.needs_rehash("not-a-hash")

    def test_dummy_verify_returns_quietly(self, hasher):
        assert hasher.dummy_verify() is None

    def test_the_default_is_argon2_cffis_argon2id_profile(self):
        import argon2

        params = argon2.extract_parameters(Argon2PasswordHasher().hash("x"))
        assert params.type is argon2.Type.ID
        assert params.time_cost >= argon2.DEFAULT_TIME_COST
        assert params.memory_cost >= argon2.DEFAULT_MEMORY_COST


class TestHmacSecretHasher:
    def test_the_same_secret_and_key_give_the_same_hex_digest(self):
        first = HmacSecretHasher(b"k" * 32).hash("12345")
        assert first == HmacSecretHasher(b"k" * 32).hash("12345")
        assert len(first) == 64 and int(first, 16) >= 0

    def test_the_digest_depends_on_the_key_and_on_the_secret(self):
        hasher = HmacSecretHasher(b"k" * 32)
        assert hasher.hash("12345") != HmacSecretHasher(b"j" * 32).hash("12345")
        assert hasher.hash("12345") != hasher.hash("12346")

    def test_it_is_a_standard_hmac_sha256(self):
        # RFC 4231 test case 2
        assert HmacSecretHasher(b"Jefe").hash("what do ya want for nothing?") == (
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        )

    def test_an_empty_key_is_refused(self):
        with pytest.raises(ValueError):
            HmacSecretHasher(b"")


class TestSystemSecretGenerator:
    @pytest.mark.parametrize("length", [5, 6, 8])
    def test_otp_codes_have_the_asked_length_and_only_digits(self, length):
        generator = SystemSecretGenerator()
        codes = [generator.otp_code(length) for _ in range(2000)]
        assert all(len(code) == length and code.isdigit() and code.isascii() for code in codes)
        # A CSPRNG: 2000 draws from 10**length values are nearly all different, every digit shows up
        assert len(set(codes)) > 1900
        assert set("".join(codes)) == set("0123456789")

    def test_leading_zeros_are_kept(self):
        generator = SystemSecretGenerator()
        assert any(generator.otp_code(5).startswith("0") for _ in range(2000))

    def test_tokens_carry_at_least_128_bits_and_are_url_safe(self):
        generator = SystemSecretGenerator()
        tokens = {generator.token() for _ in range(200)}
        assert len(tokens) == 200
        for token in tokens:
            assert len(token) * 6 >= 128  # base64url: 6 bits a character
            assert all(c.isascii() and (c.isalnum() or c in "-_") for c in token)

    def test_ids_are_unique_hex(self):
        generator = SystemSecretGenerator()
        ids = {generator.new_id() for _ in range(500)}
        assert len(ids) == 500
        assert all(len(i) == 32 and int(i, 16) >= 0 for i in ids)


class TestZxcvbnPasswordBlocklist:
    @pytest.mark.parametrize("password", ["password123", "PASSWORD", "Password123456!!", "qwertyuiop", "dragon2024"])
    def test_common_passwords_and_their_numbered_variants_are_common(self, password):
        assert ZxcvbnPasswordBlocklist().is_common(password)

    @pytest.mark.parametrize(
        "password",
        ["lampione verde sul tetto di Bari", "correct horse battery staple", "Xq7!vR2#mPz9LwKd"],
    )
    def test_long_random_passphrases_are_not(self, password):
        assert not ZxcvbnPasswordBlocklist().is_common(password)

    def test_a_short_stem_with_digits_is_not_caught_by_accident(self):
        # "abc" is too short a stem to count: only the listed password itself is common
        blocklist = ZxcvbnPasswordBlocklist()
        assert blocklist.is_common("abc123")
        assert not blocklist.is_common("abc987654")


# --- the secret box (outbox payloads at rest) ------------------------------------------------------------------
def test_the_secret_box_round_trips_and_hides_the_text():
    from areaclienti.adapters.security.secret_box import FernetSecretBox

    box = FernetSecretBox(b"application key")
    sealed = box.seal("Il tuo codice è 12345".encode())
    assert "12345" not in sealed and sealed.isascii()
    assert box.open(sealed).decode() == "Il tuo codice è 12345"
    assert box.seal(b"same") != box.seal(b"same")  # a fresh IV each time


def test_the_secret_box_refuses_an_altered_text_or_another_key():
    import pytest as _pytest

    from areaclienti.adapters.security.secret_box import FernetSecretBox

    box = FernetSecretBox(b"application key")
    sealed = box.seal(b"payload")
    altered = sealed[:-6] + ("A" if sealed[-6] != "A" else "B") + sealed[-5:]
    for bad in (altered, "not a token", "è"):
        with _pytest.raises(ValueError):
            box.open(bad)
    with _pytest.raises(ValueError):
        FernetSecretBox(b"another key").open(sealed)
    with _pytest.raises(ValueError):
        FernetSecretBox(b"application key", purpose=b"another purpose").open(sealed)
