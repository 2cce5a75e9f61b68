from crawler.spiders.eastmoney import list_entries, text_fields


def test_three_list_shapes_are_read_with_their_own_field_names():
    shape, entries = list_entries({"records": [{"id": 1, "infoCode": "NW1", "title": " 标题 ", "digest": "【标题】第一句。", "showtime": "2022-06-09 08:30:00", "url_w": "http://x"}]})
    assert shape == "records"
    assert (entries[0].info_code, entries[0].title, entries[0].digest, entries[0].time_raw, entries[0].outlet) == ("NW1", "标题", "第一句。", "2022-06-09 08:30:00", None)
    shape, entries = list_entries({"nodeList": [{"infocode": "NW2", "title": "t", "showtime": "2022-06-08 11:39:00", "from": "中国发展网"}]})
    assert shape == "nodeList" and entries[0].info_code == "NW2" and entries[0].outlet == "中国发展网" and entries[0].digest is None
    shape, entries = list_entries({"record": [{"infoCode": "NW3", "title": "t", "datetime": "2022-06-08 10:00:00", "medianame": "证券时报"}]})
    assert shape == "record" and entries[0].time_raw == "2022-06-08 10:00:00" and entries[0].outlet == "证券时报"


def test_nested_and_unknown_shapes():
    assert list_entries({"data": {"nodeList": [{"infocode": "NW4"}]}})[0] == "nodeList"
    assert list_entries({"whatever": []}) == (None, [])
    assert list_entries(["not", "a", "dict"]) == (None, [])
    # items that are not objects are skipped, not fatal
    assert len(list_entries({"record": [None, 3, {"infoCode": "NW5"}]})[1]) == 1


def test_text_endpoint_text_or_content():
    assert text_fields({"text": "<p>a</p>"})["text"] == "<p>a</p>"
    assert text_fields({"content": "<p>b</p>"})["content"] == "<p>b</p>"
    assert text_fields({"Result": {"content": "<p>c</p>"}})["content"] == "<p>c</p>"
    assert text_fields({"nothing": 1}) == {}
