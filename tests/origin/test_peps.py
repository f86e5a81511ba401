import __future__

import sys

import pytest

from pyinternals.origin.peps import (
    FUTURE_PEPS,
    LANDMARK_PEPS,
    future_features,
    release,
)


def test_every_future_feature_has_its_pep() -> None:
    assert list(FUTURE_PEPS) == __future__.all_feature_names
    assert [f.name for f in future_features()] == __future__.all_feature_names


@pytest.mark.parametrize("feature", future_features(), ids=lambda f: f.name)
def test_only_features_not_yet_mandatory_set_their_flag(feature) -> None:  # type: ignore[no-untyped-def]
    oracle = getattr(__future__, feature.name)
    assert feature.compiler_flag == oracle.compiler_flag
    assert feature.mandatory == release(oracle.getMandatoryRelease())
    code = compile(f"from __future__ import {feature.name}\n", "<test>", "exec")
    mandatory = oracle.getMandatoryRelease()
    still_optional = mandatory is None or sys.version_info < mandatory
    assert bool(code.co_flags & feature.compiler_flag) == still_optional


def test_mandatory_features_behave_without_the_import() -> None:
    mandatory = {
        name
        for name in __future__.all_feature_names
        if (getattr(__future__, name).getMandatoryRelease() or (9,))[:2] <= (3, 0)
    }
    assert {"division", "print_function", "generators"} <= mandatory
    assert eval("1 / 2") == 0.5
    assert callable(eval("print"))
    assert isinstance(eval("'text'"), str)


def test_release_formats_the_running_version() -> None:
    major, minor, micro, level, serial = sys.version_info
    formatted = release((major, minor, micro, level, serial))
    assert formatted is not None
    assert formatted.startswith(f"{major}.{minor}")
    assert formatted.endswith("" if level == "final" else str(serial))


@pytest.mark.parametrize("pep", LANDMARK_PEPS, ids=lambda p: f"PEP {p.number}")
def test_probes_agree_with_the_release_each_pep_shipped_in(pep) -> None:  # type: ignore[no-untyped-def]
    assert pep.present() == pep.expected()


def test_expected_compares_versions() -> None:
    matching = next(p for p in LANDMARK_PEPS if p.number == 634)
    assert not matching.expected((3, 9))
    assert matching.expected((3, 10))


def test_landmarks_are_listed_in_release_order() -> None:
    shipped = [p.shipped_in for p in LANDMARK_PEPS]
    assert shipped == sorted(shipped)
