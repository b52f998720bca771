"""Tests for wanmi.core.codes: class tables, scheme parse/format/validate, conversion and templates.

Expected values are hand-counted or hand-written from docs/standards.md (section 2). They are
not computed by the module under test.
"""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wanmi.core import codes
from wanmi.core.errors import CodeError, InputError

# Segment layout per preset, written out by hand: the segment that owns each character position.
LAYOUT = {
    "default12": ["major"] * 2 + ["minor"] * 2 + ["street"] * 2 + ["serial"] * 6,
    "cjt214-16": ["admin"] * 6 + ["major"] * 2 + ["minor"] * 2 + ["serial"] * 6,
    "gbt47678-17": ["admin"] * 6 + ["major"] * 2 + ["minor"] * 3 + ["serial"] * 6,
    "gbt47678-event-11": ["admin"] * 6 + ["major"] * 2 + ["minor"] * 3,
}
DIRECTORY = {"default12": "cjt214", "cjt214-16": "cjt214", "gbt47678-17": "gbt47678",
             "gbt47678-event-11": "gbt47678"}
KIND = {"default12": "component", "cjt214-16": "component", "gbt47678-17": "component",
        "gbt47678-event-11": "event"}
PROVINCES = ["11", "12", "31", "32", "44", "50", "65", "82"]

settings.register_profile("codes", deadline=None, max_examples=60)
settings.load_profile("codes")


@pytest.fixture
def clean_registry():
    """Restore the scheme and directory registries after a test that registers its own."""
    saved = (dict(codes._SCHEMES), dict(codes._ALIASES), dict(codes._DIRECTORY_SOURCES),
             dict(codes._DIRECTORY_CACHE), dict(codes._INDEX_CACHE))
    yield
    for target, copy in zip((codes._SCHEMES, codes._ALIASES, codes._DIRECTORY_SOURCES, codes._DIRECTORY_CACHE,
                             codes._INDEX_CACHE), saved):
        target.clear()
        target.update(copy)


# ---------------------------------------------------------------------------------------------------------
# Class tables
# ---------------------------------------------------------------------------------------------------------


def _counts(directory: str, kind: str) -> dict[str, int]:
    return codes.class_table(directory, kind)["major"].value_counts().sort_index().to_dict()


def test_gbt47678_component_counts_match_hand_count():
    # docs/standards.md#23-class-directories: 01 001–077 without 016; 02 001–044; 03 001–016; 04 001–014;
    # 05 002/003/009.
    assert _counts("gbt47678", "component") == {"01": 76, "02": 44, "03": 16, "04": 14, "05": 3}
    assert len(codes.class_table("gbt47678", "component")) == 153  # "153 部件"


def test_gbt47678_event_counts_match_hand_count():
    # 01–05 repeat the components; 06 001–052 without 031; 07 lacks 005; 08 001–016; 09 lacks 007; 10 two.
    assert _counts("gbt47678", "event") == {"01": 76, "02": 44, "03": 16, "04": 14, "05": 3,
                                            "06": 51, "07": 7, "08": 16, "09": 21, "10": 2}
    assert len(codes.class_table("gbt47678", "event")) == 250  # "250 事项"


def test_cjt214_counts_match_hand_count():
    # §2.4: 01 01–38, 02 01–17, 03 01–10, 04 01–10, 05 01–03, 06 01–04 + 06, 21xx: 2115, 2124.
    assert _counts("cjt214", "component") == {"01": 38, "02": 17, "03": 10, "04": 10, "05": 3, "06": 5,
                                              "21": 2}
    # Beijing events: 2001 02/03/04/07, 2002 01, 2003 01/02/04, 2004 01/02, 2005 01/04/05/07/10/98/99.
    assert _counts("cjt214", "event") == {"01": 4, "02": 1, "03": 3, "04": 2, "05": 7}


@pytest.mark.parametrize(("directory", "kind", "code", "name", "major_name"), [
    ("gbt47678", "component", "01037", "路灯", "市政公用设施"),
    ("gbt47678", "component", "01066", "紧急报警点SOS", "市政公用设施"),
    ("gbt47678", "component", "05003", "车辆加油(气、电)站", "其他管理部件"),
    ("gbt47678", "component", "04002", "行道树", "园林绿化设施"),
    ("gbt47678", "event", "01001", "供水井盖异常", "市政公用设施"),
    ("gbt47678", "event", "06030", "乱倒乱排污水、废水", "市容环境类"),
    ("gbt47678", "event", "10002", "架空线缆脱落", "其他事项类"),
    ("cjt214", "component", "0101", "上水井盖", "公用设施"),
    ("cjt214", "component", "0118", "路灯", "公用设施"),
    ("cjt214", "component", "0606", "防洪墙", "其他设施"),
    ("cjt214", "component", "2124", "加油站", "扩展部件"),
    ("cjt214", "event", "0598", "占压盲道", "街面秩序"),
])
def test_class_table_entries(directory, kind, code, name, major_name):
    table = codes.class_table(directory, kind).set_index("code")
    assert table.loc[code, "name_zh"] == name
    assert table.loc[code, "major_name_zh"] == major_name
    assert table.loc[code, "major"] + table.loc[code, "minor"] == code


@pytest.mark.parametrize(("directory", "kind", "code"), [
    ("gbt47678", "component", "01016"), ("gbt47678", "component", "05001"), ("gbt47678", "event", "06031"),
    ("gbt47678", "event", "07005"), ("gbt47678", "event", "09007"), ("cjt214", "component", "0605"),
])
def test_numbering_gaps_are_kept(directory, kind, code):
    assert code not in set(codes.class_table(directory, kind)["code"])


def test_class_table_is_text_with_leading_zeros():
    table = codes.class_table("gbt47678")
    assert list(table.columns) == ["directory", "kind", "major", "minor", "code", "name_zh", "major_name_zh"]
    assert table["minor"].str.len().eq(3).all() and table["major"].str.len().eq(2).all()
    assert set(table["kind"]) == {"component", "event"}
    with pytest.raises(InputError, match="unknown class directory"):
        codes.class_table("nope")


def test_shipped_class_map_is_consistent_with_both_directories():
    cmap = codes.class_map_table()
    old = codes.class_table("cjt214", "component").set_index("code")["name_zh"]
    new = codes.class_table("gbt47678", "component").set_index("code")["name_zh"]
    assert cmap["old_code"].isin(old.index).all() and cmap["new_code"].isin(new.index).all()
    assert cmap["new_code"].is_unique and cmap["old_code"].is_unique
    exact = cmap[cmap["match"] == "exact"]
    assert (exact["old_code"].map(old).values == exact["new_code"].map(new).values).all()
    assert (cmap["old_code"].map(old).values == cmap["old_name_zh"].values).all()
    assert (cmap["new_code"].map(new).values == cmap["new_name_zh"].values).all()
    assert dict(zip(cmap["old_code"], cmap["new_code"]))["0118"] == "01037"  # 路灯
    assert "0117" not in set(cmap["old_code"])  # 立杆: no clear counterpart


# ---------------------------------------------------------------------------------------------------------
# Presets, parse and format
# ---------------------------------------------------------------------------------------------------------


def test_presets_and_aliases():
    assert {"default12", "cjt214-16", "gbt47678-17", "gbt47678-event-11"} <= set(codes.list_schemes())
    for alias, name, template, length in [
        ("12", "default12", "{major:2}{minor:2}{street:2}{serial:6}", 12),
        ("16", "cjt214-16", "{admin:6}{major:2}{minor:2}{serial:6}", 16),
        ("17", "gbt47678-17", "{admin:6}{major:2}{minor:3}{serial:6}", 17),
        ("11", "gbt47678-event-11", "{admin:6}{major:2}{minor:3}", 11),
    ]:
        scheme = codes.get_scheme(alias)
        assert scheme is codes.get_scheme(name) and scheme.name == name
        assert scheme.template == template and scheme.length == length
        assert [s.name for s in scheme.segments] == list(dict.fromkeys(LAYOUT[name]))
    with pytest.raises(InputError, match="unknown code scheme"):
        codes.get_scheme("99")


def test_known_real_codes():
    s16 = codes.get_scheme("cjt214-16")
    assert s16.parse("3205080101000001") == {"admin": "320508", "major": "01", "minor": "01",
                                             "serial": "000001"}
    assert s16.validate("3205080101000001") == []
    assert s16.check("3205080101000001", known_admin={"320508"}) == "3205080101000001"
    assert codes.class_name("16", "3205080101000001") == "上水井盖"  # 姑苏区
    assert s16.validate("3205820102048188") == []
    assert codes.class_name(s16, "3205820102048188") == "污水井盖"  # 张家港
    assert s16.class_code("3205820102048188") == "0102"


def _segments_strategy(name: str):
    """Valid segment dicts for a preset, built from its class table."""
    table = codes.class_table(DIRECTORY[name], KIND[name])
    rows = list(zip(table["major"], table["minor"]))
    admin = st.builds(lambda p, r: f"{p}{r:04d}", st.sampled_from(PROVINCES), st.integers(0, 9999))
    parts = {"cls": st.sampled_from(rows), "admin": admin, "street": st.integers(0, 99).map("{:02d}".format),
             "serial": st.integers(1, 999_999).map("{:06d}".format)}

    def build(d):
        out = {"major": d["cls"][0], "minor": d["cls"][1]}
        for seg in ("admin", "street", "serial"):
            if seg in LAYOUT[name]:
                out[seg] = d[seg]
        return out

    return st.fixed_dictionaries(parts).map(build)


def _code_from(name: str, segs: dict[str, str]) -> str:
    """Independent formatter: concatenate the values in hand-written layout order."""
    return "".join(segs[n] for n in dict.fromkeys(LAYOUT[name]))


@pytest.mark.parametrize("name", list(LAYOUT))
@given(data=st.data())
def test_round_trips_for_valid_codes(name, data):
    scheme = codes.get_scheme(name)
    segs = data.draw(_segments_strategy(name))
    code = scheme.format(**segs)
    assert code == _code_from(name, segs) and len(code) == len(LAYOUT[name])
    assert scheme.parse(code) == segs  # parse(format(segs)) == segs
    assert scheme.format(**scheme.parse(code)) == code  # format(parse(c)) == c
    assert scheme.validate(code) == []
    assert scheme.is_valid(code, known_admin={segs.get("admin", "x")},
                           known_streets={segs.get("street", "y")})


@pytest.mark.parametrize("name", list(LAYOUT))
@given(data=st.data())
def test_format_pads_integers(name, data):
    scheme = codes.get_scheme(name)
    segs = data.draw(_segments_strategy(name))
    as_ints = {k: int(v) for k, v in segs.items()}
    assert scheme.format(**as_ints) == _code_from(name, segs)


def test_format_refusals():
    s12 = codes.get_scheme("12")
    with pytest.raises(CodeError, match="wider") as err:
        s12.format(major=1, minor=123, street=1, serial=1)
    assert err.value.segment == "minor"
    with pytest.raises(CodeError) as err:
        s12.format(major=1, minor=1, street=-1, serial=1)
    assert err.value.segment == "street"
    with pytest.raises(CodeError) as err:
        s12.format(major=1, minor=1, street=1, serial="12a")
    assert err.value.segment == "serial"
    with pytest.raises(InputError, match="missing a value for segment 'serial'"):
        s12.format(major=1, minor=1, street=1)
    with pytest.raises(InputError, match="unknown segment"):
        s12.format(major=1, minor=1, street=1, serial=1, admin=110101)


# ---------------------------------------------------------------------------------------------------------
# Rejections: every error names the segment
# ---------------------------------------------------------------------------------------------------------


def _expect(scheme, code, segment, match=None, **known):
    with pytest.raises(CodeError, match=match) as err:
        scheme.check(code, **known)
    assert err.value.segment == segment
    assert err.value.code == code
    if segment is not None:
        assert f"'{segment}'" in str(err.value)
    problems = scheme.validate(code, **known)
    assert problems and problems[0] == str(err.value)
    return err.value


@pytest.mark.parametrize("name", list(LAYOUT))
@given(data=st.data())
def test_non_digit_names_the_segment(name, data):
    scheme = codes.get_scheme(name)
    code = _code_from(name, data.draw(_segments_strategy(name)))
    pos = data.draw(st.integers(0, len(code) - 1))
    bad = code[:pos] + data.draw(st.sampled_from(["x", " ", "-", "٣", "Ａ"])) + code[pos + 1 :]
    _expect(scheme, bad, LAYOUT[name][pos], match="non-digit")


@pytest.mark.parametrize("name", list(LAYOUT))
@given(data=st.data())
def test_wrong_length_names_the_segment(name, data):
    scheme = codes.get_scheme(name)
    code = _code_from(name, data.draw(_segments_strategy(name)))
    cut = data.draw(st.integers(0, len(code) - 1))
    # too short: the segment holding the first missing position is incomplete
    _expect(scheme, code[:cut], LAYOUT[name][cut], match="incomplete")
    # too long: extra characters after the last segment
    _expect(scheme, code + data.draw(st.text("0123456789", min_size=1, max_size=3)), LAYOUT[name][-1],
            match="extra")


def test_length_examples_by_hand():
    s16 = codes.get_scheme("16")
    _expect(s16, "0199020000001", "serial", match="13 characters, scheme cjt214-16 needs 16")
    _expect(s16, "3205080", "major", match="positions 7-8")
    _expect(s16, "", "admin")


# majors that are not in the directories (hand-listed from docs/standards.md)
NOT_MAJOR = {"cjt214": ["00", "07", "10", "20", "22", "99"], "gbt47678": ["00", "06", "11", "21", "99"]}
NOT_EVENT_MAJOR = {"gbt47678": ["00", "11", "21", "99"]}


@pytest.mark.parametrize("name", list(LAYOUT))
@given(data=st.data())
def test_unknown_major(name, data):
    scheme = codes.get_scheme(name)
    segs = data.draw(_segments_strategy(name))
    pool = NOT_EVENT_MAJOR if KIND[name] == "event" else NOT_MAJOR
    segs["major"] = data.draw(st.sampled_from(pool[DIRECTORY[name]]))
    _expect(scheme, _code_from(name, segs), "major", match="is not a major class")
    assert len(scheme.validate(_code_from(name, segs))) == 1  # no second report for the minor


@pytest.mark.parametrize(("name", "code", "message"), [
    ("default12", "019902000001", "segment 'minor' = 99 is not a class of major 01 in directory cjt214"),
    ("cjt214-16", "3205080199000001", "segment 'minor' = 99 is not a class of major 01 in directory cjt214"),
    ("cjt214-16", "3205080605000001", "segment 'minor' = 05 is not a class of major 06 in directory cjt214"),
    ("gbt47678-17", "32050801016000001", "segment 'minor' = 016 is not a class of major 01 in directory "
                                         "gbt47678"),
    ("gbt47678-17", "32050805001000001", "segment 'minor' = 001 is not a class of major 05"),
    ("gbt47678-event-11", "32050806031", "segment 'minor' = 031 is not a class of major 06"),
])
def test_unknown_minor(name, code, message):
    err = _expect(codes.get_scheme(name), code, "minor")
    assert message in str(err)


def test_components_and_events_are_separate():
    # 06001 私搭乱建 is an event, not a component: the 17-digit component scheme refuses major 06.
    _expect(codes.get_scheme("17"), "11010106001000001", "major")
    assert codes.get_scheme("11").validate("11010106001") == []


def test_unknown_admin():
    s16 = codes.get_scheme("16")
    _expect(s16, "3205820102048188", "admin", match="not one of the 2 known",
            known_admin={"320508", "110101"})
    _expect(s16, "9905080101000001", "admin", match="GB/T 2260 province")
    _expect(codes.get_scheme("17"), "00000001037000001", "admin")


def test_unknown_street():
    s12 = codes.get_scheme("12")
    assert s12.validate("011803000001", known_streets={"03"}) == []
    _expect(s12, "011804000001", "street", match="'street' = 04", known_streets={"01", "02", "03"})


@pytest.mark.parametrize(("name", "code"), [
    ("default12", "011801000000"), ("cjt214-16", "3205080118000000"), ("gbt47678-17", "32050801037000000"),
])
def test_zero_serial(name, code):
    _expect(codes.get_scheme(name), code, "serial", match="is zero")


def test_not_text():
    with pytest.raises(CodeError, match="not a text value") as err:
        codes.get_scheme("16").check(3205080101000001)
    assert err.value.segment is None


def test_validate_reports_all_semantic_problems():
    problems = codes.get_scheme("16").validate("9905080199000000", known_admin={"320508"})
    # minor, province prefix, zero serial; "unknown admin" is not repeated once the prefix is wrong
    assert len(problems) == 3
    assert ["'minor'" in problems[0], "province" in problems[1], "'serial'" in problems[2]] == [True] * 3
    assert "known administrative" in codes.get_scheme("16").validate("1105080199000001", known_admin={"x"})[1]


# ---------------------------------------------------------------------------------------------------------
# Vectorised validation
# ---------------------------------------------------------------------------------------------------------


def test_validate_many_by_hand():
    codes_in = ["3205080101000001", "3205820102048188", "32050801990000x1", "320508010100001",
                "3205080799000001", "3205080199000001", "3205080101000000", None, "3205820102048188"]
    result = codes.get_scheme("16").validate_many(codes_in, known_admin={"320508", "320582"})
    assert list(result.columns) == ["code", "ok", "segment", "message"]
    assert result["ok"].tolist() == [True, True, False, False, False, False, False, False, True]
    segments = [None if pd.isna(s) else s for s in result["segment"]]
    assert segments == [None, None, "serial", "serial", "major", "minor", "serial", None, None]
    assert pd.isna(result.loc[0, "message"])
    assert "segment 'minor' = 99 is not a class of major 01 in directory cjt214" in result.loc[5, "message"]


def test_validate_many_keeps_series_index_and_known_sets():
    series = pd.Series(["011801000001", "019901000001", "011802000001"], index=[10, 20, 30])
    result = codes.get_scheme("12").validate_many(series, known_streets=["01"])
    assert list(result.index) == [10, 20, 30]
    assert result["ok"].tolist() == [True, False, False]
    assert result["segment"].tolist()[1:] == ["minor", "street"]
    empty = codes.get_scheme("12").validate_many([])
    assert len(empty) == 0 and list(empty.columns) == ["code", "ok", "segment", "message"]


def _mutations(name: str):
    """Valid codes and small corruptions of them (any segment can break)."""
    alphabet = "0123456789x"

    def corrupt(args):
        code, pos, char, how = args
        pos = min(pos, len(code) - 1)
        if how == 0:
            return code
        if how == 1:
            return code[:pos] + char + code[pos + 1 :]
        if how == 2:
            return code[:pos]
        return code + char

    valid = _segments_strategy(name).map(lambda s: _code_from(name, s))
    return st.tuples(valid, st.integers(0, 20), st.sampled_from(alphabet), st.integers(0, 3)).map(corrupt)


@pytest.mark.parametrize("name", list(LAYOUT))
@given(data=st.data())
def test_validate_many_agrees_with_check(name, data):
    scheme = codes.get_scheme(name)
    batch = data.draw(st.lists(_mutations(name), min_size=1, max_size=25))
    known = {"known_admin": {"320508", "110101", "310101"}} if "admin" in LAYOUT[name] else {}
    result = scheme.validate_many(batch, **known)
    for row, code in zip(result.itertuples(), batch):
        problems = scheme._problems(code, **known)
        assert row.ok == (not problems)
        if problems:
            assert (row.segment, row.message) == problems[0]


# ---------------------------------------------------------------------------------------------------------
# Conversion
# ---------------------------------------------------------------------------------------------------------


@given(data=st.data())
def test_convert_12_to_16_and_back(data):
    segs = data.draw(_segments_strategy("default12"))
    c12 = _code_from("default12", segs)
    admin = data.draw(st.sampled_from(["320508", "110101", "310101"]))
    c16 = codes.convert(c12, "12", "16", admin=admin)
    assert c16 == admin + segs["major"] + segs["minor"] + segs["serial"]
    assert codes.convert(c16, "16", "12", street=segs["street"]) == c12
    assert codes.convert(c16, "16", "12", street=int(segs["street"])) == c12


@pytest.mark.parametrize(("c16", "c17"), [
    ("3205080118000123", "32050801037000123"),  # 路灯 → 01037 路灯
    ("3205080402000007", "32050804002000007"),  # 行道树 → 04002
    ("3205080101000001", "32050801001000001"),  # 上水井盖 → 01001 供水井盖
    ("3205080501000009", "32050803008000009"),  # 宣传栏 moves from 05 to 03008
    ("3205082124000002", "32050805003000002"),  # 加油站 → 05003 车辆加油(气、电)站
])
def test_convert_16_to_17_and_back(c16, c17):
    assert codes.convert(c16, "16", "17") == c17
    assert codes.convert(c17, "17", "16") == c16


def test_convert_unmapped_class_names_minor():
    with pytest.raises(CodeError, match="0117 \\(立杆\\)") as err:
        codes.convert("3205080117000001", "cjt214-16", "gbt47678-17")
    assert err.value.segment == "minor"
    assert codes.convert("3205080117000001", "16", "17", class_map={"0117": "01030"}) == "32050801030000001"
    with pytest.raises(CodeError) as err:  # the target class must exist too
        codes.convert("3205080117000001", "16", "17", class_map={"0117": "01016"})
    assert err.value.segment == "minor"


def test_convert_needs_and_checks_values():
    with pytest.raises(InputError, match="segment 'admin'"):
        codes.convert("011801000001", "12", "16")
    with pytest.raises(InputError, match="segment 'street'"):
        codes.convert("32050801037000001", "17", "12")
    assert codes.convert("32050801037000001", "17", "12", street="05") == "011805000001"
    with pytest.raises(CodeError) as err:
        codes.convert("3205080118000001", "16", "17", admin="110101")
    assert err.value.segment == "admin"
    with pytest.raises(CodeError) as err:  # the source code is checked first
        codes.convert("3205080199000001", "16", "17")
    assert err.value.segment == "minor"


# ---------------------------------------------------------------------------------------------------------
# User templates and registry
# ---------------------------------------------------------------------------------------------------------


def test_user_template(clean_registry):
    scheme = codes.register_scheme("grid-component", "{street:3}{community:3}{major:2}{minor:2}{seq:4}",
                                   directory="cjt214", aliases=("gc",), description="test")
    assert codes.get_scheme("gc") is scheme and "grid-component" in codes.list_schemes()
    assert scheme.length == 14
    assert [(s.name, s.width, s.kind, s.start) for s in scheme.segments] == [
        ("street", 3, "street", 0), ("community", 3, "community", 3), ("major", 2, "major", 6),
        ("minor", 2, "minor", 8), ("seq", 4, "serial", 10)]
    code = scheme.format(street=1, community=12, major=1, minor=18, seq=7)
    assert code == "00101201180007"
    assert scheme.class_name(code) == "路灯"
    _expect(scheme, "00101201180000", "seq")
    # 16 → user scheme: serial is refitted to 4 digits when only zeros are dropped
    assert codes.convert("3205080118000007", "16", "gc", street="001", extra={"community": 12}) == code
    with pytest.raises(CodeError) as err:
        codes.convert("3205080118012345", "16", "gc", street="001", extra={"community": 12})
    assert err.value.segment == "seq"
    with pytest.raises(InputError, match="already registered"):
        codes.register_scheme("gc", "{a:2}")


def test_template_without_directory_only_checks_digits():
    scheme = codes.scheme_from_template("{zone:1}{lot:5}", name="plain")
    assert scheme.directory is None
    assert scheme.parse("712345") == {"zone": "7", "lot": "12345"}
    assert scheme.validate("000000") == []
    _expect(scheme, "7123a5", "lot")


@pytest.mark.parametrize(("template", "directory", "match"), [
    ("", None, "non-empty"),
    ("{major:2}x", None, "cannot read 'x'"),
    ("{major}{minor:2}", None, "cannot read"),
    ("{major:2}-{minor:2}", None, "cannot read '-"),
    ("{a:0}", None, "width 0"),
    ("{a:2}{a:3}", None, "appears twice"),
    ("{serial:6}{seq:6}", None, "repeats the serial"),
    ("{admin:4}{serial:6}", None, "must be 6 digits"),
    ("{major:3}{minor:2}", None, "must be 2 digits"),
    ("{major:2}{minor:3}{serial:6}", "cjt214", "directory cjt214 uses 2"),
    ("{a:2}{serial:6}", "cjt214", "needs both 'major' and 'minor'"),
    ("{major:2}{minor:2}", "nope", "unknown class directory"),
])
def test_bad_templates(template, directory, match):
    with pytest.raises(InputError, match=match):
        codes.scheme_from_template(template, directory=directory)


def test_user_directory(clean_registry):
    local = pd.DataFrame({"kind": ["component", "component"], "major": ["21", "21"], "minor": ["15", "37"],
                          "name_zh": ["泵站", "充电桩"]})
    codes.register_directory("local", local)
    scheme = codes.scheme_from_template("{admin:6}{major:2}{minor:2}{serial:6}", name="local16",
                                        directory="local")
    assert scheme.class_name("3205082137000001") == "充电桩"
    _expect(scheme, "3205080118000001", "major")
    with pytest.raises(InputError, match="already exists"):
        codes.register_directory("local", local)
    with pytest.raises(InputError, match="non-digit major"):
        codes.register_directory("bad", local.assign(major=["2a", "21"]))
