from crawler.tables import text_table


def test_text_table_pads_each_column_to_its_widest_cell():
    rows = [{"source": "xinhua", "stories": 12}, {"source": "ce", "stories": 3, "unused": "x"}]
    assert text_table(rows, ["source", "stories", "undated"]).splitlines() == [
        "  source  stories  undated",
        "  xinhua  12              ",
        "  ce      3               ",
    ]


def test_text_table_without_rows_says_none():
    assert text_table([], ["source"]) == "  (none)"
