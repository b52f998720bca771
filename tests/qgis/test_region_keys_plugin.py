"""The read-out's community/street keys are the engine's (wanmi.core.regions), also for a disagreeing cell."""

from __future__ import annotations

import pandas as pd

from wanmi.core.regions import region_keys as core_region_keys


def test_read_out_keys_equal_the_engine_keys(qgis_app):
    from wanmi.plugin.snapshots import region_keys

    rows = [("110101001001001", "", "", "002"),  # the disagreeing cell: the column wins
            ("110101001001002", "110101", "001", "001"),
            ("110101002003001", "", "", ""),  # columns empty: the cell code decides
            ("", "110101", "110101003", "004")]  # full-length street with a 3-digit community
    frame = pd.DataFrame(rows, columns=["code", "district_code", "street_code", "community_code"])
    engine = core_region_keys(frame, "code")
    assert region_keys(rows) == list(zip(engine["community_code"], engine["street_code"]))
    assert region_keys(rows) == [("110101001002", "110101001"), ("110101001001", "110101001"),
                                 ("110101002003", "110101002"), ("110101003004", "110101003")]
    assert region_keys([]) == []
